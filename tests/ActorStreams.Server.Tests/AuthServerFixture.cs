namespace ActorStreams.Server.Tests;

/// <summary>The server with SigV4 checking on and one configured key pair; <see cref="ServerFixture.Http"/> signs with it.</summary>
public sealed class AuthServerFixture : ServerFixture
{
    public const string AccessKeyId = "AKIDACTORSTREAMSTEST";
    public const string SecretAccessKey = "s3cr3t/Key+ForTheServerTests0123456789ab";

    protected override string[] ExtraArgs() =>
        ["--ActorStreams:Auth:Enabled", "true", $"--ActorStreams:Auth:Credentials:{AccessKeyId}", SecretAccessKey];

    protected override HttpMessageHandler CreateHandler() => new SigningHandler(AccessKeyId, SecretAccessKey);
}
