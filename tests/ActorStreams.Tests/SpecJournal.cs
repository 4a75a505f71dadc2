namespace ActorStreams.Tests;

/// <summary>The journal a spec runs on.</summary>
public enum SpecJournal
{
    Sqlite,
    PostgreSql,
}
