using System.Reflection;
using System.Runtime.CompilerServices;
using PublicApiGenerator;
using Xunit;

namespace ActorStreams.TestSupport;

/// <summary>
/// Approval of a package's public surface: the API PublicApiGenerator reads from the assembly must equal the
/// <c>&lt;Assembly&gt;.approved.txt</c> committed next to the calling test, so every change of surface shows in review.
/// On a difference the test fails and writes <c>&lt;Assembly&gt;.received.txt</c> beside it; to accept an intended change,
/// copy it over the approved file, or run the test with <c>ACTORSTREAMS_ACCEPT_API=1</c>, and commit the result.
/// </summary>
public static class PublicApiApproval
{
    /// <summary>The environment variable that makes <see cref="Approve"/> write the approved file instead of comparing.</summary>
    public const string AcceptVariable = "ACTORSTREAMS_ACCEPT_API";

    public static void Approve(Assembly assembly, [CallerFilePath] string callerFile = "")
    {
        var api = assembly.GeneratePublicApi(new ApiGeneratorOptions
        {
            // Attributes that say nothing about the surface a user programs against.
            ExcludeAttributes = [
                "System.Runtime.Versioning.TargetFrameworkAttribute", "System.Reflection.AssemblyMetadataAttribute",
                "System.Runtime.CompilerServices.InternalsVisibleToAttribute",
            ],
        }).ReplaceLineEndings("\n");
        var name = assembly.GetName().Name!;
        var folder = Path.GetDirectoryName(callerFile)!;
        var approved = Path.Combine(folder, name + ".approved.txt");
        var received = Path.Combine(folder, name + ".received.txt");
        if (Environment.GetEnvironmentVariable(AcceptVariable) == "1")
        {
            File.WriteAllText(approved, api);
            File.Delete(received);
            return;
        }
        var expected = File.Exists(approved) ? File.ReadAllText(approved).ReplaceLineEndings("\n") : "";
        if (expected == api)
        {
            File.Delete(received);
            return;
        }
        File.WriteAllText(received, api);
        Assert.Fail($"The public API of {name} differs from {approved}. Review {received}; if the change is intended, copy it over " +
                    $"the approved file (or run the test with {AcceptVariable}=1) and commit it.");
    }
}
