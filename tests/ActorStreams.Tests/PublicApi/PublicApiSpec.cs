using System.Reflection;
using System.Runtime.CompilerServices;
using PublicApiGenerator;
using Xunit;

namespace ActorStreams.Tests.PublicApi;

/// <summary>
/// The public surface of each package, approved: a change to it fails here until the approved file is updated in the
/// same commit, so every change of surface shows in review. To accept a change, run with
/// <c>ACTORSTREAMS_ACCEPT_API=1</c> (or copy the <c>.received.txt</c> written next to the approved file over it).
/// </summary>
public sealed class PublicApiSpec
{
    [Fact]
    public void The_ActorStreams_package_has_the_approved_public_API() => Approve(typeof(ActorStreamsExtension).Assembly);

    [Fact]
    public void The_ActorStreams_Hosting_package_has_the_approved_public_API() =>
        Approve(typeof(ActorStreams.Hosting.ActorStreamsHostingExtensions).Assembly);

    internal static void Approve(Assembly assembly, [CallerFilePath] string callerFile = "")
    {
        var api = assembly.GeneratePublicApi(new ApiGeneratorOptions
        {
            // Attributes that say nothing about the surface a user programs against.
            ExcludeAttributes = ["System.Runtime.Versioning.TargetFrameworkAttribute", "System.Reflection.AssemblyMetadataAttribute"],
        }).ReplaceLineEndings("\n");
        var name = assembly.GetName().Name!;
        var folder = Path.GetDirectoryName(callerFile)!;
        var approved = Path.Combine(folder, name + ".approved.txt");
        var received = Path.Combine(folder, name + ".received.txt");
        if (Environment.GetEnvironmentVariable("ACTORSTREAMS_ACCEPT_API") == "1")
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
        Assert.Fail($"The public API of {name} differs from {approved}. Review {received}; if the change is intended, " +
                    "copy it over the approved file (or run the test with ACTORSTREAMS_ACCEPT_API=1) and commit it.");
    }
}
