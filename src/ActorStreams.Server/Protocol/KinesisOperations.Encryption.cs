using System.IO.Pipelines;
using ActorStreams.Kinesis;

namespace ActorStreams.Server.Protocol;

// StartStreamEncryption and StopStreamEncryption: server-side encryption with a KMS-style key of the local key
// provider. DescribeStream and DescribeStreamSummary report EncryptionType and KeyId.
internal sealed partial class KinesisOperations
{
    private async Task StartStreamEncryptionAsync(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken)
    {
        var name = request.StreamName();
        RequireKms(request);
        await _client.StartStreamEncryptionAsync(name, request.RequiredString("KeyId", "keyId"), cancellationToken);
        await WriteEmptyAsync(output);
    }

    private async Task StopStreamEncryptionAsync(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken)
    {
        var name = request.StreamName();
        RequireKms(request);
        await _client.StopStreamEncryptionAsync(name, request.RequiredString("KeyId", "keyId"), cancellationToken);
        await WriteEmptyAsync(output);
    }

    private static void RequireKms(KinesisRequest request)
    {
        var type = request.RequiredString("EncryptionType", "encryptionType");
        if (type == ActorStreamsClient.EncryptionTypeKms) return;
        throw type == ActorStreamsClient.EncryptionTypeNone
            ? new InvalidArgumentException("EncryptionType NONE is not accepted here: StartStreamEncryption and StopStreamEncryption take KMS.")
            : new ValidationException($"1 validation error detected: Value '{type}' at 'encryptionType' failed to satisfy constraint: Member must satisfy enum value set: [KMS, NONE]");
    }
}
