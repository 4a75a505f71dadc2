using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using ActorStreams.Firehose.Settings;

namespace ActorStreams.Firehose.Internal;

/// <summary>
/// Objects on any S3-compatible endpoint through AWSSDK.S3 (path-style by default). A PutObject is whole or not at
/// all on S3, so nothing more is needed for atomicity; checksums are sent only where S3 requires them, which the
/// S3-compatible servers understand.
/// </summary>
internal sealed class S3ObjectStore : IObjectStore
{
    private readonly AmazonS3Client _client;
    private readonly string _endpoint;

    public S3ObjectStore(FirehoseSettings settings)
    {
        _endpoint = settings.S3Endpoint;
        var config = new AmazonS3Config
        {
            ServiceURL = settings.S3Endpoint,
            ForcePathStyle = settings.S3ForcePathStyle,
            AuthenticationRegion = settings.S3Region,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            MaxErrorRetry = 0, // the delivery graph retries with its own back-off and retry duration
        };
        _client = new AmazonS3Client(new BasicAWSCredentials(settings.S3AccessKeyId, settings.S3SecretAccessKey), config);
    }

    public async Task PutAsync(string bucket, string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        using var stream = new MemoryStream(data.ToArray(), writable: false);
        var request = new PutObjectRequest { BucketName = bucket, Key = key, InputStream = stream, UseChunkEncoding = false, AutoCloseStream = false };
        try
        {
            await _client.PutObjectAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception e)
        {
            // A key the store refuses stays refused: the batch goes to the error output instead of round again.
            var refusedKey = e.ErrorCode is "KeyTooLongError" or "InvalidObjectName" or "InvalidURI";
            throw new DeliveryException($"S3.{e.ErrorCode}", $"PutObject {bucket}/{key} at {_endpoint} failed: {e.ErrorCode} ({(int)e.StatusCode}).",
                permanent: refusedKey, inner: e);
        }
        catch (AmazonServiceException e)
        {
            throw new DeliveryException("S3.ServiceUnavailable", $"PutObject {bucket}/{key} at {_endpoint} failed: {e.Message}", inner: e);
        }
        catch (HttpRequestException e)
        {
            throw new DeliveryException("S3.ConnectionFailed", $"Could not reach {_endpoint}: {e.Message}", inner: e);
        }
    }
}
