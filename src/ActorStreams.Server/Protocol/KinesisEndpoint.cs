using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using ActorStreams.Server.Auth;
using Microsoft.AspNetCore.Http.Features;

namespace ActorStreams.Server.Protocol;

/// <summary>
/// <c>POST /</c> of the Kinesis JSON and CBOR protocols and of the Firehose JSON protocol (<c>Firehose_20150804.*</c>): reads the body, dispatches on <c>X-Amz-Target</c>, and turns
/// every failure into the Kinesis error shape <c>{"__type", "message"}</c> in the encoding of the request. With a
/// <see cref="SigV4Verifier"/> every request must be signed; the signature is checked on the buffered body before it
/// is parsed and before any operation runs, so a rejected request changes nothing.
/// </summary>
internal sealed class KinesisEndpoint(KinesisOperations operations, ILogger<KinesisEndpoint> logger, SigV4Verifier? verifier = null,
    FirehoseOperations? firehose = null)
{
    /// <summary>
    /// The largest request body accepted: a 10 MiB PutRecords grows by a third in base64, plus JSON framing
    /// (in CBOR it stays about 10 MiB).
    /// </summary>
    public const int MaxRequestBodyBytes = 16 * 1024 * 1024;

    public const string TargetPrefix = "Kinesis_20131202.";
    public const string JsonContentType = "application/x-amz-json-1.1";
    public const string RequestIdHeader = "x-amzn-RequestId";
    public const string ErrorTypeHeader = "x-amzn-ErrorType";

    /// <summary>Every response, including a 404 for another path, carries a request id as AWS answers do.</summary>
    public static Task AddRequestId(HttpContext context, Func<Task> next)
    {
        context.Response.Headers[RequestIdHeader] = RequestIds.Next();
        return next();
    }

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 16 };

    public async Task HandleAsync(HttpContext context)
    {
        var response = context.Response;
        var reader = context.Request.BodyReader;
        ReadResult read = default;
        var haveBuffer = false;
        // Known before anything can fail, so that every answer to a CBOR request, errors included, is CBOR.
        var cbor = IsCbor(context.Request);
        try
        {
            // As in AWS (and kinesalite, which was checked against it), target and content type are looked at
            // before the signature; the signature before the body is parsed or any operation runs.
            var (name, operation, isFirehose) = ResolveOperation(context.Request);
            // Firehose speaks JSON only.
            if (isFirehose && cbor) throw KinesisProtocolException.BadBody($"Firehose operations take {JsonContentType}, not {KinesisCbor.ContentType}.");
            if (!cbor) CheckContentType(context.Request);
            if (context.Request.ContentLength > MaxRequestBodyBytes) throw TooLarge(context.Request.ContentLength.Value);
            read = await ReadBodyAsync(reader, context.RequestAborted);
            haveBuffer = true;
            var body = read.Buffer;
            if (verifier is not null) Authenticate(verifier, context, body);
            if (operation is null)
            {
                // SubscribeToShard answers with an event stream instead of one reply.
                using var request = cbor ? KinesisCbor.ReadRequest(name, body, DocumentOptions) : Parse(body);
                await operations.SubscribeToShardAsync(new KinesisRequest(request.RootElement), response, cbor, context.RequestAborted);
                return;
            }
            if (cbor)
            {
                await HandleCborAsync(name, operation, body, response, context.RequestAborted);
                return;
            }
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
            await WriteErrorAsync(response, e.StatusCode, e.ErrorCode, e.Message, cbor);
        }
        catch (ActorStreamsException e)
        {
            var status = e.ErrorCode switch
            {
                InternalFailureException.Code => StatusCodes.Status500InternalServerError,
                ServiceUnavailableException.Code => StatusCodes.Status503ServiceUnavailable,
                _ => StatusCodes.Status400BadRequest,
            };
            await WriteErrorAsync(response, status, e.ErrorCode, e.Message, cbor);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Request {Target} failed", context.Request.Headers["X-Amz-Target"].ToString());
            await WriteErrorAsync(response, StatusCodes.Status500InternalServerError, InternalFailureException.Code, e.Message, cbor);
        }
        finally
        {
            if (haveBuffer) reader.AdvanceTo(read.Buffer.End);
        }
    }

    /// <summary>
    /// A CBOR request runs the same handler as a JSON one (see <see cref="KinesisCbor"/>): its body is translated to the
    /// JSON document, the handler's JSON reply is buffered and translated back before anything is sent.
    /// </summary>
    private static async Task HandleCborAsync(string name, KinesisOperations.Handler operation, ReadOnlySequence<byte> body,
        HttpResponse response, CancellationToken cancellationToken)
    {
        using var document = KinesisCbor.ReadRequest(name, body, DocumentOptions);
        using var json = new MemoryStream();
        var output = PipeWriter.Create(json, new StreamPipeWriterOptions(leaveOpen: true));
        await operation(new KinesisRequest(document.RootElement), output, cancellationToken);
        await output.CompleteAsync();
        var reply = KinesisCbor.WriteResponse(name, json.GetBuffer().AsMemory(0, (int)json.Length));
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = KinesisCbor.ContentType;
        response.ContentLength = reply.Length;
        await response.Body.WriteAsync(reply, cancellationToken);
    }

    /// <summary>Throws the AWS authentication error (HTTP 400, as Kinesis answers) unless the request is validly signed.</summary>
    internal static void Authenticate(SigV4Verifier verifier, HttpContext context, ReadOnlySequence<byte> body)
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

    /// <summary>The operation a request names; a null handler for SubscribeToShard, which streams its reply.</summary>
    private (string Name, KinesisOperations.Handler? Handler, bool IsFirehose) ResolveOperation(HttpRequest request)
    {
        var target = request.Headers["X-Amz-Target"].ToString();
        if (target.StartsWith(TargetPrefix, StringComparison.Ordinal))
        {
            var name = target.AsSpan(TargetPrefix.Length);
            if (name.SequenceEqual(KinesisOperations.SubscribeToShardOperation)) return (KinesisOperations.SubscribeToShardOperation, null, false);
            if (operations.TryGet(name, out var handler)) return (name.ToString(), handler, false);
        }
        if (firehose is not null && target.StartsWith(FirehoseOperations.TargetPrefix, StringComparison.Ordinal)
            && firehose.TryGet(target.AsSpan(FirehoseOperations.TargetPrefix.Length), out var firehoseHandler))
            return (target[FirehoseOperations.TargetPrefix.Length..], firehoseHandler, true);
        throw new KinesisProtocolException(KinesisProtocolException.UnknownOperation,
            target.Length == 0 ? "The X-Amz-Target header is missing." : $"Operation {target} is not supported.");
    }

    private static ReadOnlySpan<char> MediaType(HttpRequest request)
    {
        var media = request.ContentType.AsSpan();
        var semicolon = media.IndexOf(';');
        if (semicolon >= 0) media = media[..semicolon];
        return media.Trim();
    }

    private static bool IsCbor(HttpRequest request) => MediaType(request).Equals(KinesisCbor.ContentType, StringComparison.OrdinalIgnoreCase);

    private static void CheckContentType(HttpRequest request)
    {
        var type = request.ContentType;
        if (string.IsNullOrEmpty(type)) return;
        var media = MediaType(request);
        if (media.Equals(JsonContentType, StringComparison.OrdinalIgnoreCase)
            || media.Equals("application/x-amz-json-1.0", StringComparison.OrdinalIgnoreCase)
            || media.Equals("application/json", StringComparison.OrdinalIgnoreCase))
            return;
        throw KinesisProtocolException.BadBody(
            $"Content type {type} is not supported; send {JsonContentType} or {KinesisCbor.ContentType}.");
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

    private static async Task WriteErrorAsync(HttpResponse response, int status, string code, string message, bool cbor)
    {
        if (response.HasStarted) return;
        response.StatusCode = status;
        // The error code also as a header, where AWS puts it for clients that look there rather than in the body.
        response.Headers[ErrorTypeHeader] = code;
        if (cbor)
        {
            var body = KinesisCbor.WriteError(code, message);
            response.ContentType = KinesisCbor.ContentType;
            response.ContentLength = body.Length;
            await response.Body.WriteAsync(body);
            return;
        }
        response.ContentType = JsonContentType;
        var writer = new Utf8JsonWriter(response.BodyWriter, KinesisOperations.WriterOptions);
        writer.WriteStartObject();
        writer.WriteString("__type", code);
        // AWS spells the member "Message" in a SerializationException and "message" in every other error.
        writer.WriteString(code == KinesisProtocolException.Serialization ? "Message" : "message", message);
        writer.WriteEndObject();
        await writer.FlushAsync();
        await response.BodyWriter.FlushAsync();
    }
}
