using System.Net;
using System.Text;
using System.Text.Json;
using static ActorStreams.Server.Tests.ResourcePolicyServerFixture;

namespace ActorStreams.Server.Tests;

/// <summary>
/// Put/Get/DeleteResourcePolicy on stream and consumer ARNs, the supported policy subset checked at Put time, and the
/// policies enforced on signed requests from two accounts: the owner's account allowed unless a Deny names it,
/// another account only by an Allow, an explicit Deny winning; a refused request is AWS's AccessDeniedException and
/// writes nothing.
/// </summary>
public sealed class ResourcePolicyTests(ResourcePolicyServerFixture server) : IClassFixture<ResourcePolicyServerFixture>
{
    private static string Policy(params object[] statements) => JsonSerializer.Serialize(new { Version = "2012-10-17", Statement = statements });

    private static object Statement(string effect, object principal, object action, object resource, string sid = "s") =>
        new { Sid = sid, Effect = effect, Principal = principal, Action = action, Resource = resource };

    private static async Task<KinesisReply> CallAsync(HttpClient http, string operation, object body)
    {
        using var response = await http.SendAsync(ServerFixture.Request(operation, JsonSerializer.Serialize(body)));
        return await KinesisReply.ReadAsync(response);
    }

    private static object Put(string stream, string data) => new { StreamName = stream, PartitionKey = "k", Data = Convert.ToBase64String(Encoding.UTF8.GetBytes(data)) };

    private async Task<string> ArnAsync(string stream) =>
        (await server.OkAsync("DescribeStreamSummary", new { StreamName = stream })).GetProperty("StreamDescriptionSummary").GetProperty("StreamARN").GetString()!;

    /// <summary>Every record of the stream's only shard, read by the owner.</summary>
    private async Task<List<string>> ReadAllAsync(string stream)
    {
        var iterator = await server.OkAsync("GetShardIterator", new { StreamName = stream, ShardId = "shardId-000000000000", ShardIteratorType = "TRIM_HORIZON" });
        var records = await server.OkAsync("GetRecords", new { ShardIterator = iterator.GetProperty("ShardIterator").GetString() });
        return records.GetProperty("Records").EnumerateArray().Select(r => Encoding.UTF8.GetString(r.GetProperty("Data").GetBytesFromBase64())).ToList();
    }

    private static void AssertDenied(KinesisReply reply, string callerArn, string action, string resource, bool explicitDeny)
    {
        reply.AssertError(HttpStatusCode.BadRequest, "AccessDeniedException");
        Assert.Equal(
            $"User: {callerArn} is not authorized to perform: {action} on resource: {resource} " +
            (explicitDeny ? "with an explicit deny in a resource-based policy" : $"because no resource-based policy allows the {action} action"),
            reply.Message);
    }

    [Fact]
    public async Task A_policy_is_put_read_and_deleted_on_a_stream_and_on_a_consumer_and_goes_with_them()
    {
        var stream = await server.CreateStreamAsync("policy-crud");
        var arn = await ArnAsync(stream);
        Assert.Equal("{}", (await server.OkAsync("GetResourcePolicy", new { ResourceARN = arn })).GetProperty("Policy").GetString());
        var policy = Policy(Statement("Allow", new { AWS = PartnerAccount }, "kinesis:PutRecord", arn));
        await server.OkAsync("PutResourcePolicy", new { ResourceARN = arn, Policy = policy });
        Assert.Equal(policy, (await server.OkAsync("GetResourcePolicy", new { ResourceARN = arn })).GetProperty("Policy").GetString());

        var consumer = (await server.OkAsync("RegisterStreamConsumer", new { StreamARN = arn, ConsumerName = "c" })).GetProperty("Consumer");
        var consumerArn = consumer.GetProperty("ConsumerARN").GetString()!;
        Assert.Equal("{}", (await server.OkAsync("GetResourcePolicy", new { ResourceARN = consumerArn })).GetProperty("Policy").GetString());
        var consumerPolicy = Policy(Statement("Allow", new { AWS = BobArn }, new[] { "kinesis:SubscribeToShard", "kinesis:DescribeStreamConsumer" }, consumerArn));
        await server.OkAsync("PutResourcePolicy", new { ResourceARN = consumerArn, Policy = consumerPolicy });
        Assert.Equal(consumerPolicy, (await server.OkAsync("GetResourcePolicy", new { ResourceARN = consumerArn })).GetProperty("Policy").GetString());
        // The stream's own policy is untouched by the consumer's.
        Assert.Equal(policy, (await server.OkAsync("GetResourcePolicy", new { ResourceARN = arn })).GetProperty("Policy").GetString());

        await server.OkAsync("DeleteResourcePolicy", new { ResourceARN = arn });
        Assert.Equal("{}", (await server.OkAsync("GetResourcePolicy", new { ResourceARN = arn })).GetProperty("Policy").GetString());
        await server.OkAsync("DeleteResourcePolicy", new { ResourceARN = arn }); // none left: nothing to do

        // A consumer's policy goes with its registration: registered again, it has none.
        await server.OkAsync("DeregisterStreamConsumer", new { ConsumerARN = consumerArn });
        var again = (await server.OkAsync("RegisterStreamConsumer", new { StreamARN = arn, ConsumerName = "c" })).GetProperty("Consumer").GetProperty("ConsumerARN").GetString();
        Assert.Equal("{}", (await server.OkAsync("GetResourcePolicy", new { ResourceARN = again })).GetProperty("Policy").GetString());

        // A stream's policy goes with the stream.
        await server.OkAsync("PutResourcePolicy", new { ResourceARN = arn, Policy = policy });
        await server.OkAsync("DeleteStream", new { StreamName = stream, EnforceConsumerDeletion = true });
        // Deleting takes a moment; meanwhile CreateStream of the name is ResourceInUseException.
        await Eventually.EventuallyAsync(async () =>
        {
            var created = await server.CallAsync("CreateStream", new { StreamName = stream, ShardCount = 1 });
            Assert.True(created.Status == HttpStatusCode.OK, created.Text);
            return created;
        }, TimeSpan.FromSeconds(15));
        Assert.Equal("{}", (await server.OkAsync("GetResourcePolicy", new { ResourceARN = arn })).GetProperty("Policy").GetString());

        (await server.CallAsync("GetResourcePolicy", new { ResourceARN = arn + "-gone" })).AssertError(HttpStatusCode.BadRequest, "ResourceNotFoundException");
        (await server.CallAsync("PutResourcePolicy", new { ResourceARN = arn + "-gone", Policy = policy })).AssertError(HttpStatusCode.BadRequest, "ResourceNotFoundException");
    }

    [Theory]
    [InlineData("""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"kinesis:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}""", "the statement element 'Condition' is not supported")]
    [InlineData("""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","NotAction":"kinesis:PutRecord","Resource":"*"}]}""", "the statement element 'NotAction' is not supported")]
    [InlineData("""{"Statement":[{"Effect":"Allow","NotPrincipal":{"AWS":"111122223333"},"Action":"kinesis:*","Resource":"*"}]}""", "the statement element 'NotPrincipal' is not supported")]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kinesis:*","NotResource":"*"}]}""", "the statement element 'NotResource' is not supported")]
    [InlineData("""{"Statement":[{"Effect":"Maybe","Principal":"*","Action":"kinesis:*","Resource":"*"}]}""", "Effect must be \"Allow\" or \"Deny\"")]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}]}""", "the action 's3:GetObject' is not a Kinesis action")]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":{"Service":"firehose.amazonaws.com"},"Action":"kinesis:*","Resource":"*"}]}""", "the principal type 'Service' is not supported")]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":{"AWS":"bob"},"Action":"kinesis:*","Resource":"*"}]}""", "the principal 'bob' is not an account id")]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kinesis:*"}]}""", "a statement has no Resource")]
    [InlineData("""{"Version":"2012-10-17"}""", "it has no Statement")]
    [InlineData("""{"Version":"2012-10-17","Statement":""", "it is not a JSON document")]
    public async Task A_policy_outside_the_supported_subset_is_refused_at_Put_time_and_not_stored(string policy, string why)
    {
        var stream = await server.CreateStreamAsync("policy-invalid");
        var arn = await ArnAsync(stream);
        var reply = await server.CallAsync("PutResourcePolicy", new { ResourceARN = arn, Policy = policy });
        reply.AssertError(HttpStatusCode.BadRequest, "InvalidArgumentException");
        Assert.Contains(why, reply.Message);
        Assert.StartsWith("The resource policy is not supported: ", reply.Message);
        Assert.Equal("{}", (await server.OkAsync("GetResourcePolicy", new { ResourceARN = arn })).GetProperty("Policy").GetString());
    }

    [Fact]
    public async Task Without_a_policy_the_owners_account_is_allowed_and_another_account_is_denied_and_writes_nothing()
    {
        var stream = await server.CreateStreamAsync("policy-none");
        var arn = await ArnAsync(stream);
        using var alice = server.SignedAs(AliceKey, AliceSecret);
        using var bob = server.SignedAs(BobKey, BobSecret);

        Assert.Equal(HttpStatusCode.OK, (await CallAsync(alice, "PutRecord", Put(stream, "from alice"))).Status);
        AssertDenied(await CallAsync(bob, "PutRecord", Put(stream, "from bob")), BobArn, "kinesis:PutRecord", arn, explicitDeny: false);
        AssertDenied(await CallAsync(bob, "PutRecords", new { StreamARN = arn, Records = new[] { new { PartitionKey = "k", Data = "AA==" } } }),
            BobArn, "kinesis:PutRecords", arn, explicitDeny: false);
        // Account-level operations are the owner's; no resource policy grants them.
        (await CallAsync(bob, "ListStreams", new { })).AssertError(HttpStatusCode.BadRequest, "AccessDeniedException");
        (await CallAsync(bob, "CreateStream", new { StreamName = stream + "-bob", ShardCount = 1 })).AssertError(HttpStatusCode.BadRequest, "AccessDeniedException");
        (await server.CallAsync("DescribeStreamSummary", new { StreamName = stream + "-bob" })).AssertError(HttpStatusCode.BadRequest, "ResourceNotFoundException");

        Assert.Equal(["from alice"], await ReadAllAsync(stream));
    }

    [Fact]
    public async Task Another_account_is_allowed_exactly_what_an_Allow_grants_it()
    {
        var stream = await server.CreateStreamAsync("policy-cross");
        var arn = await ArnAsync(stream);
        using var bob = server.SignedAs(BobKey, BobSecret);
        await server.OkAsync("PutResourcePolicy", new
        {
            ResourceARN = arn,
            Policy = Policy(Statement("Allow", new { AWS = new[] { BobArn } }, new[] { "kinesis:Put*", "kinesis:DescribeStreamSummary" }, arn)),
        });

        Assert.Equal(HttpStatusCode.OK, (await CallAsync(bob, "PutRecord", Put(stream, "from bob"))).Status);
        Assert.Equal(HttpStatusCode.OK, (await CallAsync(bob, "DescribeStreamSummary", new { StreamARN = arn })).Status);
        // Reading was not granted; neither may another account manage the policy, whatever it says.
        AssertDenied(await CallAsync(bob, "GetShardIterator", new { StreamName = stream, ShardId = "shardId-000000000000", ShardIteratorType = "TRIM_HORIZON" }),
            BobArn, "kinesis:GetShardIterator", arn, explicitDeny: false);
        AssertDenied(await CallAsync(bob, "DeleteResourcePolicy", new { ResourceARN = arn }), BobArn, "kinesis:DeleteResourcePolicy", arn, explicitDeny: false);
        // An iterator the owner got does not let Bob read either: GetRecords is checked against the iterator's stream.
        var iterator = (await server.OkAsync("GetShardIterator", new { StreamName = stream, ShardId = "shardId-000000000000", ShardIteratorType = "TRIM_HORIZON" }))
            .GetProperty("ShardIterator").GetString();
        AssertDenied(await CallAsync(bob, "GetRecords", new { ShardIterator = iterator }), BobArn, "kinesis:GetRecords", arn, explicitDeny: false);

        Assert.Equal(["from bob"], await ReadAllAsync(stream));
    }

    [Fact]
    public async Task An_explicit_Deny_wins_over_an_Allow_and_over_the_owners_account_and_the_denied_request_writes_nothing()
    {
        var stream = await server.CreateStreamAsync("policy-deny");
        var arn = await ArnAsync(stream);
        using var alice = server.SignedAs(AliceKey, AliceSecret);
        using var bob = server.SignedAs(BobKey, BobSecret);
        await server.OkAsync("PutResourcePolicy", new
        {
            ResourceARN = arn,
            Policy = Policy(
                Statement("Allow", "*", "kinesis:*", "*", sid: "everyone"),
                Statement("Deny", new { AWS = new[] { AliceArn, PartnerAccount } }, "kinesis:PutRecord?", arn.Replace(stream, "policy-deny-*"), sid: "no-writes")),
        });

        AssertDenied(await CallAsync(alice, "PutRecords", new { StreamName = stream, Records = new[] { new { PartitionKey = "k", Data = "AA==" } } }),
            AliceArn, "kinesis:PutRecords", arn, explicitDeny: true);
        AssertDenied(await CallAsync(bob, "PutRecords", new { StreamName = stream, Records = new[] { new { PartitionKey = "k", Data = "AA==" } } }),
            BobArn, "kinesis:PutRecords", arn, explicitDeny: true);
        // The Deny names PutRecords (PutRecord? matches one more character), not PutRecord: the Allow gives Bob that.
        Assert.Equal(HttpStatusCode.OK, (await CallAsync(bob, "PutRecord", Put(stream, "from bob"))).Status);
        // The owner's root is not named by the Deny.
        await server.OkAsync("PutRecords", new { StreamName = stream, Records = new[] { new { PartitionKey = "k", Data = Convert.ToBase64String("from owner"u8.ToArray()) } } });

        Assert.Equal(["from bob", "from owner"], await ReadAllAsync(stream));
    }

    [Fact]
    public async Task A_consumers_policy_governs_requests_naming_the_consumer()
    {
        var stream = await server.CreateStreamAsync("policy-consumer");
        var arn = await ArnAsync(stream);
        var consumerArn = (await server.OkAsync("RegisterStreamConsumer", new { StreamARN = arn, ConsumerName = "c" })).GetProperty("Consumer")
            .GetProperty("ConsumerARN").GetString()!;
        using var alice = server.SignedAs(AliceKey, AliceSecret);
        using var bob = server.SignedAs(BobKey, BobSecret);
        AssertDenied(await CallAsync(bob, "DescribeStreamConsumer", new { ConsumerARN = consumerArn }), BobArn, "kinesis:DescribeStreamConsumer", consumerArn,
            explicitDeny: false);
        await server.OkAsync("PutResourcePolicy", new
        {
            ResourceARN = consumerArn,
            Policy = Policy(
                Statement("Allow", new { AWS = PartnerAccount }, "kinesis:DescribeStreamConsumer", consumerArn),
                Statement("Deny", new { AWS = AliceArn }, "kinesis:DeregisterStreamConsumer", consumerArn)),
        });
        Assert.Equal(HttpStatusCode.OK, (await CallAsync(bob, "DescribeStreamConsumer", new { ConsumerARN = consumerArn })).Status);
        AssertDenied(await CallAsync(alice, "DeregisterStreamConsumer", new { ConsumerARN = consumerArn }), AliceArn, "kinesis:DeregisterStreamConsumer",
            consumerArn, explicitDeny: true);
        // Named by stream and name instead of by ARN, it is the same consumer under the same policy.
        AssertDenied(await CallAsync(alice, "DeregisterStreamConsumer", new { StreamARN = arn, ConsumerName = "c" }), AliceArn,
            "kinesis:DeregisterStreamConsumer", consumerArn, explicitDeny: true);
        Assert.Equal("ACTIVE", (await server.OkAsync("DescribeStreamConsumer", new { ConsumerARN = consumerArn })).GetProperty("ConsumerDescription")
            .GetProperty("ConsumerStatus").GetString());
    }

    [Fact]
    public void A_principal_that_is_not_an_account_id_or_an_IAM_user_or_role_fails_at_startup()
    {
        var error = Assert.Throws<InvalidOperationException>(() => ActorStreamsServer.Create(
        [
            "--port", "0", "--ActorStreams:Auth:Enabled", "true", "--ActorStreams:Auth:Credentials:AKIDSOMEONE", "secret",
            "--ActorStreams:Auth:Principals:AKIDSOMEONE", "arn:aws:iam::111122223333:group/admins",
        ]));

        Assert.StartsWith("ActorStreams:Auth:Principals:AKIDSOMEONE is 'arn:aws:iam::111122223333:group/admins'", error.Message);
    }

    [JavaScriptSdkFact]
    public async Task The_JavaScript_SDK_v3_puts_gets_and_deletes_policies_and_is_held_to_them_across_accounts()
    {
        Assert.True(JavaScriptSdk.Node is not null,
            "node is not on PATH and CI is set: the JavaScript SDK tests must run in CI (ops/test.sh installs nodejs and npm).");
        await JavaScriptSdk.EnsureInstalledAsync();
        var endpoint = server.BaseAddress.ToString().TrimEnd('/');
        var (code, stdout, stderr) = await JavaScriptSdk.RunAsync(JavaScriptSdk.Node!,
            ["resource-policy.mjs", endpoint, $"{OwnerKey}:{OwnerSecret}", $"{BobKey}:{BobSecret}", BobArn], TimeSpan.FromMinutes(2));
        Assert.True(code == 0, $"node resource-policy.mjs exited with {code}.\nstdout:\n{stdout}\nstderr:\n{stderr}");
        Assert.Contains("\"ok\": true", stdout);
    }
}
