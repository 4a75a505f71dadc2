namespace ActorStreams.Server.Protocol;

/// <summary>What a request's content type makes of its body, as AWS tells them apart.</summary>
internal enum RequestEncoding
{
    /// <summary><c>application/x-amz-json-1.1</c>, the protocol of the AWS CLI and the JavaScript, Go and Python SDKs.</summary>
    Json,

    /// <summary><c>application/x-amz-cbor-1.1</c>, the Java SDKs' (and so the KCL's) default for Kinesis.</summary>
    Cbor,

    /// <summary>
    /// Plain <c>application/json</c>: AWS parses the body but answers in the deprecated
    /// <c>{"Output": {"__type": ...}, "Version": "1.0"}</c> shape and runs no operation.
    /// </summary>
    LegacyJson,

    /// <summary>Anything else, <c>application/x-amz-json-1.0</c> and no content type included: answered in XML.</summary>
    Other,
}
