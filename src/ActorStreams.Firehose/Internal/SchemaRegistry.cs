using ActorStreams.Firehose.Settings;

namespace ActorStreams.Firehose.Internal;

/// <summary>
/// Glue's part for format conversion: a conversion that names <c>SchemaConfiguration</c> DatabaseName and TableName
/// gets its Parquet columns from <see cref="FirehoseSettings.Schemas"/> when the delivery stream is created or updated
/// (the columns are kept with the configuration, so a later registry change applies at the next UpdateDestination).
/// </summary>
internal static class SchemaRegistry
{
    private const string Member = "ExtendedS3DestinationConfiguration.DataFormatConversionConfiguration.SchemaConfiguration";

    public static DeliveryDestination Resolve(FirehoseSettings settings, DeliveryDestination destination)
    {
        if (destination is not ObjectStoreDestination { DataFormatConversion: { Enabled: true } conversion } s3) return destination;
        if (conversion.SchemaDatabaseName is null && conversion.SchemaTableName is null) return destination;
        if (string.IsNullOrEmpty(conversion.SchemaDatabaseName) || string.IsNullOrEmpty(conversion.SchemaTableName))
            throw new InvalidArgumentException($"{Member} needs both DatabaseName and TableName.");
        var key = conversion.SchemaDatabaseName + "." + conversion.SchemaTableName;
        if (!settings.Schemas.TryGetValue(key, out var columns))
        {
            var known = settings.Schemas.Count == 0 ? "it holds no tables" : "it holds " + string.Join(", ", settings.Schemas.Keys.Order(StringComparer.Ordinal));
            throw new InvalidArgumentException(
                $"{Member}: table {conversion.SchemaTableName} of database {conversion.SchemaDatabaseName} is not in the schema registry "
                + $"(actorstreams.firehose.schemas or actorstreams.firehose.schema-file); {known}.");
        }
        return s3 with { DataFormatConversion = conversion with { Columns = columns } };
    }
}
