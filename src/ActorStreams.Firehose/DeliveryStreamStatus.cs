namespace ActorStreams.Firehose;

/// <summary>The lifecycle of a delivery stream.</summary>
public enum DeliveryStreamStatus
{
    /// <summary>Being created.</summary>
    Creating,

    /// <summary>Taking and delivering records.</summary>
    Active,

    /// <summary>Being deleted.</summary>
    Deleting,
}
