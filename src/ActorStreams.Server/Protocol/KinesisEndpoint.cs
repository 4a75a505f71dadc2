using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using ActorStreams.Server.Auth;
using Microsoft.AspNetCore.Http.Features;

namespace ActorStreams.Server.Protocol;

/// <summary>
/// <c>POST /</c> of the Kinesis JSON protocol: reads the body, dispatches on <c>X-Amz-Target</c>, and turns every
/// failure into the Kinesis error shape <c>{"__type", "message"}</c>. With a <see cref="SigV4Verifier"/> every request
/// must be signed; the signature is checked on the buffered body before it is parsed and before any operation runs,
/// so a rejected request changes nothing.
/// </summary>
internal sealed class KinesisEndpoint(KinesisOperations operations, ILogger<KinesisEndpoint> logger, SigV4Verifier? verifier = null)
{
    /// <summary>
    /// The largest request body accepted: a 10 MiB PutRecords grows by a third in base64, plus JSON framing.
    /// </summary>
    public const int MaxRequestBodyBytes = 16 * 1024 * 1024;

    public const string TargetPrefix = "Kinesis_20131202.";
    public const string JsonContentType = "application/x-amz-json-1.1";
    public const string RequestIdHeader = "x-amzn-RequestId";

    /// <summary>Every response, including a 404 for another path, carries a request id as AWS answers do.</summary>
    public static Task AddRequestId(HttpContext context, Func<Task> next)
    {
        context.Response.Headers[RequestIdHeader] = Guid.NewGuid().ToString();
        return next();
    }

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 16 };

    public async Task HandleAsync(HttpContext context)
    {
        var response = context.Response;
        var reader = context.Request.BodyReader;
        ReadResult read = default;
        var haveBuffer = false;
        try
        {
            // As in AWS (and kinesalite, which was checked against it), target and content type are looked at
            // before the signature; the signature before the body is parsed or any operation runs.
            var operation = ResolveOperation(context.Request);
            CheckContentType(context.Request);
            if (context.Request.ContentLength > MaxRequestBodyBytes) throw TooLarge(context.Request.ContentLength.Value);
            read = await ReadBodyAsync(reader, context.RequestAborted);
            haveBuffer = true;
            var body = read.Buffer;
            if (verifier is not null) Authenticate(verifier, context, body);
            using var document = Parse(body);
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = JsonContentType;
            await operation(new KinesisRequest(document.RootElement), response.BodyWriter, context.RequestAborted);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nobody is left to answer.
        }
        catch (KinesisProtocolException e)
        {
            await WriteErrorAsync(response, e.StatusCode, e.ErrorCode, e.Message);
        }
        catch (ActorStreamsException e)
        {
            var status = e.ErrorCode == InternalFailureException.Code ? StatusCodes.Status500InternalServerError : StatusCodes.Status400BadRequest;
            await WriteErrorAsync(response, status, e.ErrorCode, e.Message);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Request {Target} failed", context.Request.Headers["X-Amz-Target"].ToString());
            await WriteErrorAsync(response, StatusCodes.Status500InternalServerError, InternalFailureException.Code, e.Message);
        }
        finally
        {
            if (haveBuffer) reader.AdvanceTo(read.Buffer.End);
        }
    }

    /// <summary>Throws the AWS authentication error (HTTP 400, as Kinesis answers) unless the request is validly signed.</summary>
    private static void Authenticate(SigV4Verifier verifier, HttpContext context, ReadOnlySequence<byte> body)
    {
        var request = context.Request;
        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        string rawPath, rawQuery;
        if (string.IsNullOrEmpty(rawTarget) || rawTarget[0] != '/')
        {
            rawPath = (request.PathBase + request.Path).ToUriComponent();
            rawQuery = request.QueryString.HasValue ? request.QueryString.Value![1..] : "";
        }
        else
        {
            var question = rawTarget.IndexOf('?');
            rawPath = question < 0 ? rawTarget : rawTarget[..question];
            rawQuery = question < 0 ? "" : rawTarget[(question + 1)..];
        }
        var headers = request.Headers;
        var result = verifier.Verify(new SigV4Request(request.Method, rawPath, rawQuery,
            name => headers.TryGetValue(name, out var values) ? values.Where(v => v is not null).Select(v => v!).ToArray() : null, body));
        if (!result.Succeeded) throw new KinesisProtocolException(result.ErrorCode!, result.Message!);
    }

    private KinesisOperations.Handler ResolveOperation(HttpRequest request)
    {
        var target = request.Headers["X-Amz-Target"].ToString();
        if (target.StartsWith(TargetPrefix, StringComparison.Ordinal)
            && operations.TryGet(target.AsSpan(TargetPrefix.Length), out var handler))
            return handler;
        throw new KinesisProtocolException(KinesisProtocolException.UnknownOperation,
            target.Length == 0 ? "The X-Amz-Target header is missing." : $"Operation {target} is not supported.");
    }

    private static void CheckContentType(HttpRequest request)
    {
        var type = request.ContentType;
        if (string.IsNullOrEmpty(type)) return;
        var media = type.AsSpan();
        var semicolon = media.IndexOf(';');
        if (semicolon >= 0) media = media[..semicolon];
        media = media.Trim();
        if (media.Equals(JsonContentType, StringComparison.OrdinalIgnoreCase)
            || media.Equals("application/x-amz-json-1.0", StringComparison.OrdinalIgnoreCase)
            || media.Equals("application/json", StringComparison.OrdinalIgnoreCase))
            return;
        throw KinesisProtocolException.BadBody(
            $"Content type {type} is not supported; send {JsonContentType} (CBOR, application/x-amz-cbor-1.1, is not served yet).");
    }

    private static async Task<ReadResult> ReadBodyAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            if (result.Buffer.Length > MaxRequestBodyBytes)
            {
                reader.AdvanceTo(result.Buffer.End);
                throw TooLarge(result.Buffer.Length);
            }
            if (result.IsCompleted) return result;
            // Keep everything buffered and ask for more: the whole body is parsed in place, never copied.
            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    private static JsonDocument Parse(ReadOnlySequence<byte> body)
    {
        if (body.IsEmpty) return JsonDocument.Parse("{}"u8.ToArray());
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, DocumentOptions);
        }
        catch (JsonException e)
        {
            throw KinesisProtocolException.BadBody($"The request body is not valid JSON: {e.Message}");
        }
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            throw KinesisProtocolException.BadBody("The request body must be a JSON object.");
        }
        return document;
    }

    private static KinesisProtocolException TooLarge(long length) =>
        new(KinesisProtocolException.Serialization,
            $"The request body of {length} bytes exceeds this server's limit of {MaxRequestBodyBytes} bytes.",
            StatusCodes.Status413PayloadTooLarge);

    private static async Task WriteErrorAsync(HttpResponse response, int status, string code, string message)
    {
        if (response.HasStarted) return;
        response.StatusCode = status;
        response.ContentType = JsonContentType;
        var writer = new Utf8JsonWriter(response.BodyWriter, KinesisOperations.WriterOptions);
        writer.WriteStartObject();
        writer.WriteString("__type", code);
        writer.WriteString("message", message);
        writer.WriteEndObject();
        await writer.FlushAsync();
        await response.BodyWriter.FlushAsync();
    }
}
