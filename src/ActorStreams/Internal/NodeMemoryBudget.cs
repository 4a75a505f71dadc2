using System.Globalization;
using ActorStreams.Settings;
using Akka.Configuration;

namespace ActorStreams.Internal;

/// <summary>
/// The node's memory budget (<c>actorstreams.memory-budget</c>): the bytes that callers can make this node hold. Firehose
/// backlogs (records acknowledged and not yet delivered), the StreamShards' hot tails and the buffers of SubscribeToShard
/// subscriptions draw from it. A delivery stream refuses puts with <see cref="ServiceUnavailableException"/> once the
/// budget is spent; a hot tail, being a cache, evicts its oldest events instead; a subscription stops taking pushes and
/// reads from the journal when its consumer has room. Thread-safe; its use is the <c>actorstreams.memory.budget.used</c> gauge.
/// </summary>
internal sealed class NodeMemoryBudget
{
    /// <summary>The setting, named in the errors it causes.</summary>
    public const string SettingName = "actorstreams.memory-budget";

    private long _used;

    public NodeMemoryBudget(long limitBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limitBytes);
        LimitBytes = limitBytes;
    }

    /// <summary>The budget in bytes.</summary>
    public long LimitBytes { get; }

    /// <summary>The bytes held now (may exceed the limit briefly: a recovered backlog is held whatever its size).</summary>
    public long UsedBytes => Interlocked.Read(ref _used);

    /// <summary>What new work may still take.</summary>
    public long AvailableBytes => Math.Max(0, LimitBytes - UsedBytes);

    /// <summary>Whether more is held than the budget allows.</summary>
    public bool Exceeded => UsedBytes > LimitBytes;

    /// <summary>Takes (positive) or gives back (negative) <paramref name="bytes"/>, unconditionally.</summary>
    public void Adjust(long bytes)
    {
        if (bytes != 0) Interlocked.Add(ref _used, bytes);
    }

    /// <summary>Takes <paramref name="bytes"/> only if they fit within the limit; false (and nothing taken) otherwise.</summary>
    public bool TryAcquire(long bytes)
    {
        while (true)
        {
            var used = Interlocked.Read(ref _used);
            if (used + bytes > LimitBytes) return false;
            if (Interlocked.CompareExchange(ref _used, used + bytes, used) == used) return true;
        }
    }

    /// <summary>
    /// Reads <c>memory-budget</c> of an <c>actorstreams</c> section: a size (<c>512 MiB</c>) or a percentage of the
    /// memory available to the process (<c>25%</c>: of the container's limit, else of the machine's memory).
    /// </summary>
    public static NodeMemoryBudget Create(Config actorStreamsSection)
    {
        var c = (actorStreamsSection ?? Config.Empty).WithFallback(ActorStreamsConfig.Default.GetConfig("actorstreams"));
        var text = c.Text("memory-budget").Trim();
        if (text.EndsWith('%'))
        {
            if (!double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var percent) || percent is <= 0 or > 100)
                throw new ConfigurationException($"{SettingName} = {text}: a percentage must be above 0% and at most 100%.");
            return new NodeMemoryBudget(Math.Max(1, (long)(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes * percent / 100)));
        }
        var bytes = c.Bytes("memory-budget");
        if (bytes <= 0) throw new ConfigurationException($"{SettingName} = {text}: the budget must be a positive size or a percentage.");
        return new NodeMemoryBudget(bytes);
    }
}
