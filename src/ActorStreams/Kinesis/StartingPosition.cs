namespace ActorStreams.Kinesis;

/// <summary>Where a source starts reading a shard: one of the five Kinesis iterator types.</summary>
public readonly record struct StartingPosition
{
    private StartingPosition(ShardIteratorType type, string? sequenceNumber, DateTimeOffset? timestamp)
    {
        Type = type;
        SequenceNumber = sequenceNumber;
        Timestamp = timestamp;
    }

    /// <summary>The iterator type.</summary>
    public ShardIteratorType Type { get; }

    /// <summary>The sequence number of AT_/AFTER_SEQUENCE_NUMBER.</summary>
    public string? SequenceNumber { get; }

    /// <summary>The time of AT_TIMESTAMP.</summary>
    public DateTimeOffset? Timestamp { get; }

    /// <summary>The oldest record still retained.</summary>
    public static StartingPosition TrimHorizon => new(ShardIteratorType.TrimHorizon, null, null);

    /// <summary>Only records written after the source starts.</summary>
    public static StartingPosition Latest => new(ShardIteratorType.Latest, null, null);

    /// <summary>At the record with this sequence number.</summary>
    public static StartingPosition AtSequenceNumber(string sequenceNumber) => new(ShardIteratorType.AtSequenceNumber, sequenceNumber, null);

    /// <summary>Right after the record with this sequence number.</summary>
    public static StartingPosition AfterSequenceNumber(string sequenceNumber) => new(ShardIteratorType.AfterSequenceNumber, sequenceNumber, null);

    /// <summary>At the first record that arrived at or after <paramref name="timestamp"/>.</summary>
    public static StartingPosition AtTimestamp(DateTimeOffset timestamp) => new(ShardIteratorType.AtTimestamp, null, timestamp);
}
