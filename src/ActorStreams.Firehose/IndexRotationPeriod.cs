namespace ActorStreams.Firehose;

/// <summary>How an OpenSearch index name is suffixed with the record's arrival time.</summary>
public enum IndexRotationPeriod
{
    /// <summary>The index name as it is.</summary>
    NoRotation,

    /// <summary><c>-yyyy-MM-dd-HH</c>.</summary>
    OneHour,

    /// <summary><c>-yyyy-MM-dd</c>.</summary>
    OneDay,

    /// <summary><c>-yyyy-wWW</c> (ISO week).</summary>
    OneWeek,

    /// <summary><c>-yyyy-MM</c>.</summary>
    OneMonth,
}
