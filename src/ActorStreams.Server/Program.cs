using ActorStreams.Server;

// actorstreams [--port N] [--host ADDRESS] [--data-dir PATH] [--config FILE] ... (--help lists every flag);
// also ActorStreams__Port etc. in the environment (docs/server.md, docs/security.md).
if (ServerCommandLine.TryAnswer(args, Console.Out)) return 0;
WebApplication app;
try
{
    app = ActorStreamsServer.Create(args);
}
catch (Exception e) when (e is InvalidOperationException or IOException)
{
    // A setting that cannot work: say which and how to fix it, without a stack trace, and exit non-zero.
    Console.Error.WriteLine($"{ServerCommandLine.CommandName}: {e.Message}");
    return 2;
}
await app.RunAsync();
return 0;
