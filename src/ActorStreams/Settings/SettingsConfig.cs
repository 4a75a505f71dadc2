using Akka.Configuration;

namespace ActorStreams.Settings;

/// <summary>
/// Reads a setting that <c>reference.conf</c> always defines: the defaults live there and only there, so a key that
/// is missing (a typo in the code, or an application that replaced the whole section) is a clear error instead of a
/// second default hidden in the code.
/// </summary>
internal static class SettingsConfig
{
    /// <summary>A size in bytes (<c>8 MiB</c>, <c>1048576</c>).</summary>
    public static long Bytes(this Config config, string path) =>
        config.GetByteSize(path) ?? throw Missing(config, path);

    /// <summary>A duration (<c>3s</c>, <c>5m</c>).</summary>
    public static TimeSpan Duration(this Config config, string path) =>
        config.HasPath(path) ? config.GetTimeSpan(path) : throw Missing(config, path);

    /// <summary>An integer.</summary>
    public static int Int(this Config config, string path) =>
        config.HasPath(path) ? config.GetInt(path) : throw Missing(config, path);

    /// <summary>An <c>on</c>/<c>off</c> switch.</summary>
    public static bool Switch(this Config config, string path) =>
        config.HasPath(path) ? config.GetBoolean(path) : throw Missing(config, path);

    /// <summary>A string (possibly empty).</summary>
    public static string Text(this Config config, string path) =>
        config.HasPath(path) ? config.GetString(path) : throw Missing(config, path);

    private static ConfigurationException Missing(Config config, string path) =>
        new($"The setting '{path}' is missing; its default is in ActorStreams' reference.conf, which this configuration does not fall back to.");
}
