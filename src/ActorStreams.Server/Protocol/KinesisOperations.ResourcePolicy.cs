using System.IO.Pipelines;

namespace ActorStreams.Server.Protocol;

// PutResourcePolicy, GetResourcePolicy and DeleteResourcePolicy on a stream or consumer ARN. Enforcement is the
// endpoint's (Auth/ResourcePolicyAuthorizer), before any operation runs.
internal sealed partial class KinesisOperations
{
    /// <summary>What GetResourcePolicy answers for a resource without a policy: AWS's empty policy document.</summary>
    private const string NoPolicy = "{}";

    private async Task PutResourcePolicyAsync(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken)
    {
        await _client.PutResourcePolicyAsync(request.RequiredString("ResourceARN", "resourceARN"), request.RequiredString("Policy", "policy"),
            cancellationToken);
        await WriteEmptyAsync(output);
    }

    private async Task GetResourcePolicyAsync(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken)
    {
        var policy = await _client.GetResourcePolicyAsync(request.RequiredString("ResourceARN", "resourceARN"), cancellationToken);
        await WriteAsync(output, w =>
        {
            w.WriteStartObject();
            w.WriteString("Policy", policy ?? NoPolicy);
            w.WriteEndObject();
        });
    }

    private async Task DeleteResourcePolicyAsync(KinesisRequest request, PipeWriter output, CancellationToken cancellationToken)
    {
        await _client.DeleteResourcePolicyAsync(request.RequiredString("ResourceARN", "resourceARN"), cancellationToken);
        await WriteEmptyAsync(output);
    }
}
