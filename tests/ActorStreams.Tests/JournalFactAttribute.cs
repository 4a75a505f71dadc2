using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace ActorStreams.Tests;

/// <summary>
/// A test that runs on every journal: it is written once in an abstract spec and runs in each concrete subclass.
/// In a subclass marked <see cref="PostgreSqlSpecAttribute"/> it is skipped with "ACTORSTREAMS_TEST_POSTGRES not set"
/// when there is no database, except on CI, where the spec fails and says how to start one.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
[XunitTestCaseDiscoverer("ActorStreams.Tests.JournalFactDiscoverer", "ActorStreams.Tests")]
public sealed class JournalFactAttribute : FactAttribute;

/// <summary>Marks the PostgreSQL variant of a spec.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class PostgreSqlSpecAttribute : Attribute;

public sealed class JournalFactDiscoverer(IMessageSink diagnosticMessageSink) : IXunitTestCaseDiscoverer
{
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        yield return new JournalTestCase(diagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(),
            discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod);
    }
}

public sealed class JournalTestCase : XunitTestCase
{
    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    public JournalTestCase()
    {
    }

    public JournalTestCase(IMessageSink diagnosticMessageSink, TestMethodDisplay defaultMethodDisplay,
        TestMethodDisplayOptions defaultMethodDisplayOptions, ITestMethod testMethod)
        : base(diagnosticMessageSink, defaultMethodDisplay, defaultMethodDisplayOptions, testMethod)
    {
    }

    // Worked out from the class on every call (not stored), so it survives the runner's serialization of test cases.
    protected override string? GetSkipReason(IAttributeInfo factAttribute)
    {
        var postgreSql = TestMethod.TestClass.Class.GetCustomAttributes(typeof(PostgreSqlSpecAttribute)).Any();
        return postgreSql ? PostgreSqlTestDatabase.SkipReason : base.GetSkipReason(factAttribute);
    }
}
