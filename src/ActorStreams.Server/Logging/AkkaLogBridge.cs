using Akka.Actor;
using Akka.Dispatch;
using Akka.Event;
using MelLogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace ActorStreams.Server.Logging;

/// <summary>
/// The ILoggerFactory that <see cref="AkkaLogBridge"/> writes Akka's log events to: the host's own, so Akka's events go
/// through the same providers, filters and formatter (text or JSON) as ASP.NET Core's.
/// </summary>
internal sealed class AkkaLogBridgeSetup(ILoggerFactory loggerFactory) : Akka.Actor.Setup.Setup
{
    public ILoggerFactory LoggerFactory { get; } = loggerFactory;
}

/// <summary>
/// An Akka.NET logger (<c>akka.loggers</c>) that hands every log event to Microsoft.Extensions.Logging as a structured
/// entry (<see cref="AkkaLogEntry"/>): category the logging class, the formatted message, and the fields
/// <c>ActorPath</c>, <c>LogSource</c>, <c>Thread</c>, the template's arguments, and <c>Stream</c>/<c>Shard</c>
/// (or <c>Application</c>, <c>DeliveryStream</c>) for events of ActorStreams' sharded entities.
/// </summary>
internal sealed class AkkaLogBridge : ActorBase, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    private readonly ILoggerFactory _factory;
    private readonly Dictionary<Type, ILogger> _loggers = new();

    /// <summary>The category of events whose source is a string rather than a class (remoting, cluster start-up).</summary>
    internal const string StringSourceCategory = "Akka";

    public AkkaLogBridge()
    {
        var setup = Context.System.Settings.Setup.Get<AkkaLogBridgeSetup>();
        _factory = setup.HasValue ? setup.Value.LoggerFactory : Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance;
    }

    protected override bool Receive(object message)
    {
        switch (message)
        {
            case InitializeLogger:
                Sender.Tell(new LoggerInitialized());
                return true;
            case LogEvent e:
                Log(e);
                return true;
        }
        return false;
    }

    private void Log(LogEvent e)
    {
        var level = e.LogLevel() switch
        {
            Akka.Event.LogLevel.DebugLevel => MelLogLevel.Debug,
            Akka.Event.LogLevel.InfoLevel => MelLogLevel.Information,
            Akka.Event.LogLevel.WarningLevel => MelLogLevel.Warning,
            _ => MelLogLevel.Error,
        };
        var type = e.LogClass ?? typeof(DummyClassForStringSources);
        if (!_loggers.TryGetValue(type, out var logger))
        {
            // Events logged under a plain string source (remoting, cluster) carry Akka's placeholder class: "Akka" says more.
            var category = type == typeof(DummyClassForStringSources) ? StringSourceCategory : type.FullName ?? type.Name;
            _loggers[type] = logger = _factory.CreateLogger(category);
        }
        if (!logger.IsEnabled(level)) return;
        var entry = AkkaLogEntry.From(e);
        logger.Log(level, default, entry, e.Cause, static (state, _) => state.Message);
    }
}
