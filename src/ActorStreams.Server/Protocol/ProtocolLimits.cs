using ActorStreams.Kinesis;

namespace ActorStreams.Server.Protocol;

/// <summary>Limits of the Kinesis API that only the wire protocol needs (the runtime's are in <see cref="KinesisLimits"/>).</summary>
internal static class ProtocolLimits
{
    /// <summary>DescribeStream <c>Limit</c>: 1-10,000 shards, 100 by default.</summary>
    public const int MaxDescribeStreamLimit = 10_000;
    public const int DefaultDescribeStreamLimit = 100;

    /// <summary>ListShards <c>MaxResults</c>: 1-10,000 shards, 1,000 by default.</summary>
    public const int MaxListShardsResults = 10_000;
    public const int DefaultListShardsResults = 1_000;

    /// <summary>A ListShards NextToken is valid this long.</summary>
    public static readonly TimeSpan ListShardsTokenLifetime = TimeSpan.FromMinutes(5);

    /// <summary>ListTagsForStream <c>Limit</c>: 1-50; without it every tag (a stream has at most 50).</summary>
    public const int MaxListTagsLimit = 50;

    /// <summary>Default account quota of ON_DEMAND streams (DescribeLimits OnDemandStreamCountLimit).</summary>
    public const int OnDemandStreamCountLimit = 50;

    /// <summary>Shards an ON_DEMAND stream starts with when CreateStream gives no ShardCount.</summary>
    public const int OnDemandInitialShards = 4;
}
