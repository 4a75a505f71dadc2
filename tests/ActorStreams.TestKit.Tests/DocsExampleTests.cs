using System.Reflection;
using Xunit;

namespace ActorStreams.TestKit.Tests;

/// <summary>
/// The examples the docs show are files that CI builds and runs, character for character: docs/embedding.md's
/// "simulate scaling" is SimulateScalingTests.cs, the README's embedded quick start is tests/ActorStreams.QuickStart/Program.cs.
/// </summary>
public sealed class DocsExampleTests
{
    private static string Root => typeof(DocsExampleTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "RepositoryRoot").Value!;

    private static string Read(params string[] path) => File.ReadAllText(Path.Combine([Root, .. path])).ReplaceLineEndings("\n");

    [Fact]
    public void Embedding_docs_must_show_the_simulate_scaling_test_as_it_is()
    {
        var page = Read("docs", "embedding.md");
        var test = Read("tests", "ActorStreams.TestKit.Tests", "SimulateScalingTests.cs");
        Assert.Contains("public async Task Simulate_scaling()", test);
        Assert.Contains("```csharp\n" + test + "```", page);
    }

    [Fact]
    public void Readme_must_show_the_quick_start_as_it_is()
    {
        var readme = Read("README.md");
        var program = Read("tests", "ActorStreams.QuickStart", "Program.cs");
        Assert.Contains("KinesisSink.Create(system, streamName)", program);
        Assert.Contains("```csharp\n" + program + "```", readme);
    }
}
