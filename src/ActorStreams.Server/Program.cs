using ActorStreams.Server;

// ActorStreams.Server [--port N] [--host ADDRESS] [--data-dir PATH] [--config FILE] [--encryption-key-file FILE]
// [--allow-anonymous] ...; also ActorStreams__Port etc. in the environment (docs/server.md, docs/security.md).
WebApplication app;
try
{
    app = ActorStreamsServer.Create(args);
}
catch (Exception e) when (e is InvalidOperationException or IOException)
{
    // A setting that cannot work: say which and how to fix it, without a stack trace, and exit non-zero.
    Console.Error.WriteLine($"ActorStreams.Server: {e.Message}");
    return 2;
}
await app.RunAsync();
return 0;
