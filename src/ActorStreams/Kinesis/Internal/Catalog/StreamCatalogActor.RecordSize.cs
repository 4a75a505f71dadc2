using Akka.Actor;

namespace ActorStreams.Kinesis.Internal.Catalog;

/// <summary>
/// Large records: the largest record a stream takes (UpdateMaxRecordSize), 1 to 10 MiB. Writers learn it with the
/// stream's route (<see cref="StreamRoute.MaxRecordSizeBytes"/>); a shard's write limit takes a large record as a
/// burst and then throttles until the shard has paid it off (<see cref="Shards.TokenBucket"/>).
/// </summary>
internal sealed partial class StreamCatalogActor
{
    private void OnUpdateMaxRecordSize(UpdateMaxRecordSizeCommand cmd)
    {
        var entry = Find(cmd.Name);
        if (entry.Status != StreamStatus.Active) throw NotActive(entry);
        var replyTo = Sender;
        if (entry.MaxRecordSizeBytes == cmd.KiB * 1024)
        {
            replyTo.Tell(View(entry));
            return;
        }
        PersistEvent(new StreamMaxRecordSizeChanged(cmd.Name, cmd.KiB), () =>
        {
            MarkUpdating(cmd.Name);
            replyTo.Tell(View(_streams[cmd.Name]));
        });
    }
}
