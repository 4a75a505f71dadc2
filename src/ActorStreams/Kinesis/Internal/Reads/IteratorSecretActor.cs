using System.Security.Cryptography;
using ActorStreams.Kinesis.Internal.Shards;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Persistence;

namespace ActorStreams.Kinesis.Internal.Reads;

/// <summary>
/// The deployment's shard-iterator secret, made once and kept in the journal: the first node that needs it generates
/// 32 random bytes and persists them; every node and every later start reads the same value. One entity in its own
/// sharding region, so the cluster has exactly one writer. The request, the reply and the event are plain strings
/// (Akka's primitive serializer), so no format of ours is involved.
/// </summary>
internal sealed class IteratorSecretActor : ReceivePersistentActor
{
    public const string TypeName = "actorstreams-iterator-secret";
    public const string EntityId = "secret";

    /// <summary>The request; the reply is the secret.</summary>
    public const string Get = "get-iterator-secret";

    /// <summary>Random bytes in a generated secret (the HMAC-SHA256 key is derived from them).</summary>
    public const int SecretBytes = 32;

    private string? _secret;

    public IteratorSecretActor()
    {
        Recover<string>(secret => _secret ??= secret);
        // Hand-off (rebalance, node leaving): nothing is in flight that a stop would lose, so stop at once.
        Command<StopEntity>(_ => Context.Stop(Self));
        Command<string>(message =>
        {
            if (message != Get)
            {
                Unhandled(message);
                return;
            }
            if (_secret is not null)
            {
                Sender.Tell(_secret);
                return;
            }
            Persist(Convert.ToBase64String(RandomNumberGenerator.GetBytes(SecretBytes)), secret =>
            {
                _secret = secret;
                Sender.Tell(secret);
            });
        });
    }

    public override string PersistenceId => TypeName;

    public static Props Props() => Akka.Actor.Props.Create(() => new IteratorSecretActor());
}

/// <summary>Every request goes to the one entity.</summary>
internal sealed class IteratorSecretMessageExtractor() : HashCodeMessageExtractor(1)
{
    public override string? EntityId(object message) => message is string s && s == IteratorSecretActor.Get ? IteratorSecretActor.EntityId : null;
}
