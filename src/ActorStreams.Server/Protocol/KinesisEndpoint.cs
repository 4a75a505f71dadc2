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
    FirehoseOperations? firehose = null, ResourcePolicyAuthorizer? authorizer = null)
{
    /// <summary>
    /// The largest request body accepted: a 10 MiB PutRecords grows by a third in base64, plus JSON framing
    /// (in CBOR it stays about 10 MiB).
    /// </summary>
    public const int MaxRequestBodyBytes = 16 * 1024 * 1024;

    /// <summary>The largest body read before the signature's header is checked (see <see cref="HandleAsync"/>).</summary>
    public const int PreAuthenticationBodyBytes = 64 * 1024;

    public const string TargetPrefix = "Kinesis_20131202.";
    public const string JsonContentType = "application/x-amz-json-1.1";
    public const string RequestIdHeader = "x-amzn-RequestId";
    public const string ErrorTypeHeader = "x-amzn-ErrorType";

    /// <summary>
    /// Every response carries a request id and, as AWS's do, an extended request id <c>x-amz-id-2</c>; a CORS
    /// preflight carries no <c>x-amz-id-2</c>.
    /// </summary>
    public static Task AddRequestId(HttpContext context, Func<Task> next)
    {
        var headers = context.Response.Headers;
        headers[RequestIdHeader] = RequestIds.Next();
        if (!AwsConnection.IsPreflight(context.Request)) headers[AwsConnection.ExtendedRequestIdHeader] = RequestIds.NextExtended();
        return next();
    }

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 16 };

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        if (AwsConnection.ApplyCors(context)) return;
        // AWS answers every method but POST, on any path, in XML before it looks at anything else.
        if (!HttpMethods.IsPost(request.Method))
        {
            await AwsConnection.WriteXmlErrorAsync(response, StatusCodes.Status403Forbidden, AwsConnection.AccessDenied, AwsConnection.AccessDeniedMessage);
            return;
        }
        var reader = request.BodyReader;
        ReadResult read = default;
        var haveBuffer = false;
        var encoding = AwsConnection.EncodingOf(request);
        // Known before anything can fail, so that every answer to a CBOR request, errors included, is CBOR.
        var cbor = encoding == RequestEncoding.Cbor;
        try
        {
            var target = request.Headers["X-Amz-Target"].ToString();
            var (name, operation, isFirehose, known) = ResolveOperation(target);
            if (request.ContentLength > MaxRequestBodyBytes) throw TooLarge(request.ContentLength.Value);
            // With authentication on, the signature's form, date and key are checked before a body larger than
            // PreAuthenticationBodyBytes (or of unknown length) is read: an unknown caller cannot make us buffer 16 MiB.
            // Smaller bodies keep AWS's order, in which the body and the target are judged before the signature.
            if (verifier is not null && !(request.ContentLength <= PreAuthenticationBodyBytes)) Authenticate(verifier, context, body: null);
            read = await ReadBodyAsync(reader, context.RequestAborted);
            haveBuffer = true;
            var body = read.Buffer;
            // The order of the checks below is AWS's (recorded by kinesalite against Kinesis): an empty body, then the
            // content type, then the body's syntax, then the target, then the signature, and only then the members.
            if (body.IsEmpty)
            {
                // Answered in CBOR unless the request said JSON 1.1, and without a message, as AWS answers.
                cbor = encoding != RequestEncoding.Json;
                await WriteErrorAsync(response, StatusCodes.Status400BadRequest,
                    known ? KinesisProtocolException.Serialization : KinesisProtocolException.UnknownOperation, null, cbor);
                return;
            }
            if (encoding == RequestEncoding.Other)
            {
                await AwsConnection.WriteForeignContentTypeAsync(response, target);
                return;
            }
            using var document = ParseBody(encoding, target, body);
            if (document is null)
            {
                if (encoding == RequestEncoding.LegacyJson)
                    await AwsConnection.WriteLegacyJsonErrorAsync(response, StatusCodes.Status400BadRequest, KinesisProtocolException.Serialization);
                else await WriteErrorAsync(response, StatusCodes.Status400BadRequest, KinesisProtocolException.Serialization, null, cbor);
                return;
            }
            // Plain application/json goes no further in AWS.
            if (encoding == RequestEncoding.LegacyJson)
            {
                await AwsConnection.WriteLegacyJsonErrorAsync(response, StatusCodes.Status404NotFound, KinesisProtocolException.UnknownOperation);
                return;
            }
            if (!known)
            {
                await WriteErrorAsync(response, StatusCodes.Status400BadRequest, KinesisProtocolException.UnknownOperation, null, cbor);
                return;
            }
            // Firehose speaks JSON only.
            if (isFirehose && cbor) throw KinesisProtocolException.BadBody($"Firehose operations take {JsonContentType}, not {KinesisCbor.ContentType}.");
            AwsConnection.CheckSignatureShape(request);
            var accessKeyId = verifier is not null ? Authenticate(verifier, context, body) : null;
            // Resource policies bind signed callers only (docs/security.md); a refusal comes before the operation runs.
            if (authorizer is not null && verifier is not null)
            {
                if (isFirehose) authorizer.AuthorizeFirehose(accessKeyId, name);
                else await authorizer.AuthorizeKinesisAsync(accessKeyId, name, document.RootElement, context.RequestAborted);
            }
            if (operation is null)
            {
                // SubscribeToShard answers with an event stream instead of one reply.
                await operations.SubscribeToShardAsync(new KinesisRequest(document.RootElement), response, cbor, context.RequestAborted);
                return;
            }
            if (cbor)
            {
                await HandleCborAsync(name, operation, document, response, context.RequestAborted);
                return;
            }
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
            logger.LogError(e, "Request {Target} failed", request.Headers["X-Amz-Target"].ToString());
            await WriteErrorAsync(response, StatusCodes.Status500InternalServerError, InternalFailureException.Code, e.Message, cbor);
        }
        finally
        {
            if (haveBuffer) reader.AdvanceTo(read.Buffer.End);
        }
    }

    /// <summary>
    /// The request's document, or null when its body is not a JSON object (or CBOR map) at all, which AWS answers with a
    /// bare SerializationException. Text that parses but cannot be read as strings (invalid UTF-8, lone surrogates) is a
    /// SerializationException with a message.
    /// </summary>
    private static JsonDocument? ParseBody(RequestEncoding encoding, string target, ReadOnlySequence<byte> body)
    {
        if (encoding == RequestEncoding.Cbor)
        {
            // The operation picks the members that are blobs and timestamps; an unknown one has none.
            var dot = target.IndexOf('.');
            var cborDocument = KinesisCbor.ReadRequest(dot < 0 ? target : target[(dot + 1)..], body, DocumentOptions, LargeStrings.DataDepthOf(target), out var cborTable);
            LargeStrings.Current = cborTable;
            return cborDocument;
        }
        JsonDocument document;
        try
        {
            var dataDepth = LargeStrings.DataDepthOf(target);
            if (body.Length < LargeStrings.MinBodyBytes || dataDepth == 0)
            {
                document = body.IsSingleSegment || body.Length < LargeBodyBytes
                    ? JsonDocument.Parse(body, DocumentOptions)
                    : JsonDocument.Parse(Contiguous(body), DocumentOptions);
            }
            else
            {
                var (json, table) = LargeStrings.Extract(body.IsSingleSegment ? body.First : Contiguous(body), dataDepth);
                document = JsonDocument.Parse(json, DocumentOptions);
                // For the rest of this request (its async calls included): the type check and the handler find the blobs.
                LargeStrings.Current = table;
            }
        }
        catch (JsonException)
        {
            return null;
        }
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            return null;
        }
        try
        {
            JsonText.CheckStrings(body);
        }
        catch
        {
            document.Dispose();
            throw;
        }
        return document;
    }

    /// <summary>
    /// From this size on, a body in several buffers is made contiguous in an array of its own, which the collector takes
    /// back after the request. JsonDocument would rent it from the shared pool instead, rounded up to a power of two (16
    /// MiB for a 10 MiB record's 13.3 MiB of JSON), and the pool keeps such arrays per thread and per core: 50 of them,
    /// 800 MiB, after a minute of 16 large PutRecords in flight (ops/bench/run.sh --large).
    /// </summary>
    private const long LargeBodyBytes = 1024 * 1024;

    private static ReadOnlyMemory<byte> Contiguous(ReadOnlySequence<byte> body)
    {
        var bytes = GC.AllocateUninitializedArray<byte>(checked((int)body.Length));
        body.CopyTo(bytes);
        return bytes;
    }

    /// <summary>
    /// A CBOR request runs the same handler as a JSON one (see <see cref="KinesisCbor"/>): its body is translated to the
    /// JSON document, the handler's JSON reply is buffered and translated back before anything is sent.
    /// </summary>
    private static async Task HandleCborAsync(string name, KinesisOperations.Handler operation, JsonDocument document,
        HttpResponse response, CancellationToken cancellationToken)
    {
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

    /// <summary>
    /// Throws the AWS authentication error (HTTP 400, as Kinesis answers) unless the request is validly signed; with no
    /// <paramref name="body"/> only what the headers alone can show (<see cref="SigV4Verifier.CheckHeaders"/>). Returns
    /// the access key id the request was signed with.
    /// </summary>
    internal static string? Authenticate(SigV4Verifier verifier, HttpContext context, ReadOnlySequence<byte>? body)
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
        var signed = new SigV4Request(request.Method, rawPath, rawQuery,
            name => headers.TryGetValue(name, out var values) ? values.Where(v => v is not null).Select(v => v!).ToArray() : null, body ?? default,
            headers.Keys);
        var result = body is null ? verifier.CheckHeaders(signed) : verifier.Verify(signed);
        if (!result.Succeeded) throw new KinesisProtocolException(result.ErrorCode!, result.Message!);
        return result.AccessKeyId;
    }

    /// <summary>
    /// The operation a target names (a null handler for SubscribeToShard, which streams its reply); Known is false
    /// when no such operation exists, which is answered only once the body has been looked at, as AWS does.
    /// </summary>
    private (string Name, KinesisOperations.Handler? Handler, bool IsFirehose, bool Known) ResolveOperation(string target)
    {
        if (target.StartsWith(TargetPrefix, StringComparison.Ordinal))
        {
            var name = target.AsSpan(TargetPrefix.Length);
            if (name.SequenceEqual(KinesisOperations.SubscribeToShardOperation)) return (KinesisOperations.SubscribeToShardOperation, null, false, true);
            if (operations.TryGet(name, out var handler)) return (name.ToString(), handler, false, true);
        }
        if (firehose is not null && target.StartsWith(FirehoseOperations.TargetPrefix, StringComparison.Ordinal)
            && firehose.TryGet(target.AsSpan(FirehoseOperations.TargetPrefix.Length), out var firehoseHandler))
            return (target[FirehoseOperations.TargetPrefix.Length..], firehoseHandler, true, true);
        return (target, null, false, false);
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

    private static KinesisProtocolException TooLarge(long length) =>
        new(KinesisProtocolException.Serialization,
            $"The request body of {length} bytes exceeds this server's limit of {MaxRequestBodyBytes} bytes.",
            StatusCodes.Status413PayloadTooLarge);

    /// <summary>
    /// The Kinesis error shape <c>{"__type", "message"}</c> in JSON or CBOR, with its length, and the type again in
    /// <c>x-amzn-ErrorType</c>. A null message is left out, as AWS leaves it out of its connection-level errors.
    /// </summary>
    private static async Task WriteErrorAsync(HttpResponse response, int status, string code, string? message, bool cbor)
    {
        if (response.HasStarted) return;
        response.StatusCode = status;
        // The error code also as a header, where AWS puts it for clients that look there rather than in the body.
        response.Headers[ErrorTypeHeader] = code;
        message = message is null ? null : AwsConnection.Printable(message);
        byte[] body;
        if (cbor)
        {
            body = KinesisCbor.WriteError(code, message);
            response.ContentType = KinesisCbor.ContentType;
        }
        else
        {
            var buffer = new ArrayBufferWriter<byte>(128);
            using (var writer = new Utf8JsonWriter(buffer, KinesisOperations.WriterOptions))
            {
                writer.WriteStartObject();
                writer.WriteString("__type", code);
                // AWS spells the member "Message" in a SerializationException and "message" in every other error.
                if (message is not null) writer.WriteString(code == KinesisProtocolException.Serialization ? "Message" : "message", message);
                writer.WriteEndObject();
            }
            body = buffer.WrittenSpan.ToArray();
            response.ContentType = JsonContentType;
        }
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body);
    }
}
