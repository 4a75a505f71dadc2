using System.Reflection;
using Xunit;

namespace ActorStreams.TestKit.Tests;

/// <summary>The README's "simulate scaling" example is SimulateScalingTests.cs, character for character.</summary>
public sealed class ReadmeExampleTests
{
    private static string Root => typeof(ReadmeExampleTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "RepositoryRoot").Value!;

    [Fact]
    public void Readme_must_show_the_simulate_scaling_test_as_it_is()
    {
        var readme = File.ReadAllText(Path.Combine(Root, "README.md")).ReplaceLineEndings("\n");
        var test = File.ReadAllText(Path.Combine(Root, "tests", "ActorStreams.TestKit.Tests", "SimulateScalingTests.cs")).ReplaceLineEndings("\n");
        Assert.Contains("public async Task Simulate_scaling()", test);
        Assert.Contains("```csharp\n" + test + "```", readme);
    }
}
