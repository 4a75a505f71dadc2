using ActorStreams.Server;

// ActorStreams.Server [--port N] [--data-dir PATH] [--config FILE] [--encryption-key-file FILE]; also ActorStreams__Port etc. in the environment.
var app = ActorStreamsServer.Create(args);
await app.RunAsync();
