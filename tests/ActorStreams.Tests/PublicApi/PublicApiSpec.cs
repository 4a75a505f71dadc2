using ActorStreams.Firehose;
using ActorStreams.Hosting;
using ActorStreams.TestSupport;
using Xunit;

namespace ActorStreams.Tests.PublicApi;

/// <summary>The public surface of each package the runtime ships, approved (see <see cref="PublicApiApproval"/>).</summary>
public sealed class PublicApiSpec
{
    [Fact]
    public void The_ActorStreams_package_has_the_approved_public_API() =>
        PublicApiApproval.Approve(typeof(ActorStreamsExtension).Assembly);

    [Fact]
    public void The_ActorStreams_Hosting_package_has_the_approved_public_API() =>
        PublicApiApproval.Approve(typeof(ActorStreamsHostingExtensions).Assembly);

    [Fact]
    public void The_ActorStreams_Firehose_package_has_the_approved_public_API() =>
        PublicApiApproval.Approve(typeof(FirehoseExtension).Assembly);
}
