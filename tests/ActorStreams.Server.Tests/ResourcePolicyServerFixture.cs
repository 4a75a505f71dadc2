namespace ActorStreams.Server.Tests;

/// <summary>
/// The server with SigV4 on and three key pairs in two accounts: the owner's key (not mapped: the root of the server's
/// account 000000000000, which owns every stream; <see cref="ServerFixture.Http"/> signs with it), Alice's key, an IAM
/// user of the same account, and Bob's key, an IAM user of the partner account 111122223333.
/// </summary>
public sealed class ResourcePolicyServerFixture : ServerFixture
{
    public const string OwnerAccount = "000000000000";
    public const string PartnerAccount = "111122223333";
    public const string OwnerKey = "AKIDOWNER00000000000";
    public const string OwnerSecret = "owner/Secret+ForTheResourcePolicyTests01";
    public const string AliceKey = "AKIDALICE00000000000";
    public const string AliceSecret = "alice/Secret+ForTheResourcePolicyTests01";
    public const string AliceArn = $"arn:aws:iam::{OwnerAccount}:user/alice";
    public const string BobKey = "AKIDBOB0000000000000";
    public const string BobSecret = "bob/Secret+ForTheResourcePolicyTests0123";
    public const string BobArn = $"arn:aws:iam::{PartnerAccount}:user/bob";

    protected override string[] ExtraArgs() =>
    [
        "--ActorStreams:Auth:Enabled", "true",
        $"--ActorStreams:Auth:Credentials:{OwnerKey}", OwnerSecret,
        $"--ActorStreams:Auth:Credentials:{AliceKey}", AliceSecret,
        $"--ActorStreams:Auth:Credentials:{BobKey}", BobSecret,
        $"--ActorStreams:Auth:Principals:{AliceKey}", AliceArn,
        $"--ActorStreams:Auth:Principals:{BobKey}", BobArn,
    ];

    protected override HttpMessageHandler CreateHandler() => new SigningHandler(OwnerKey, OwnerSecret);

    /// <summary>A client whose requests are signed with another key pair.</summary>
    public HttpClient SignedAs(string accessKeyId, string secret) => new(new SigningHandler(accessKeyId, secret)) { BaseAddress = BaseAddress };
}
