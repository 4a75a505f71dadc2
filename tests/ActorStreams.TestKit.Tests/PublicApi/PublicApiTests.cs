using ActorStreams.TestSupport;
using Xunit;

namespace ActorStreams.TestKit.Tests.PublicApi;

/// <summary>The public surface of the ActorStreams.TestKit package, approved (see <see cref="PublicApiApproval"/>).</summary>
public sealed class PublicApiTests
{
    [Fact]
    public void The_ActorStreams_TestKit_package_has_the_approved_public_API() =>
        PublicApiApproval.Approve(typeof(ActorStreamsTestKit).Assembly);
}
