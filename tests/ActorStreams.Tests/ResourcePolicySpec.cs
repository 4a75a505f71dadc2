using Xunit;
using ActorStreams.Kinesis.Internal.Policies;

namespace ActorStreams.Tests;

/// <summary>The resource-policy subset without a server: parsing, wildcards, and IAM's evaluation order.</summary>
public sealed class ResourcePolicySpec
{
    private const string Stream = "arn:aws:kinesis:us-east-1:000000000000:stream/orders";
    private static readonly PolicyPrincipal Owner = new("000000000000");
    private static readonly PolicyPrincipal Alice = new("000000000000", "arn:aws:iam::000000000000:user/alice");
    private static readonly PolicyPrincipal Bob = new("111122223333", "arn:aws:iam::111122223333:user/bob");
    private static readonly PolicyPrincipal Carol = new("111122223333", "arn:aws:iam::111122223333:role/carol");

    [Fact]
    public void A_principal_names_an_account_by_id_or_root_and_a_user_or_role_by_ARN()
    {
        var policy = ResourcePolicy.Parse("""
            {"Statement":[
              {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/bob"},"Action":"kinesis:GetRecords","Resource":"*"},
              {"Effect":"Allow","Principal":{"AWS":["111122223333"]},"Action":"kinesis:ListShards","Resource":"*"},
              {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kinesis:DescribeStream","Resource":"*"}
            ]}
            """);
        Assert.Equal(PolicyDecision.Allow, policy.Evaluate(Bob, "kinesis:GetRecords", Stream));
        Assert.Equal(PolicyDecision.NotApplicable, policy.Evaluate(Carol, "kinesis:GetRecords", Stream));
        Assert.Equal(PolicyDecision.Allow, policy.Evaluate(Carol, "kinesis:ListShards", Stream));
        Assert.Equal(PolicyDecision.Allow, policy.Evaluate(Carol, "kinesis:DescribeStream", Stream));
        Assert.Equal(PolicyDecision.NotApplicable, policy.Evaluate(Owner, "kinesis:ListShards", Stream));
    }

    [Fact]
    public void Actions_match_with_wildcards_and_without_case_and_resources_with_wildcards_and_case()
    {
        var policy = ResourcePolicy.Parse("""
            {"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":["KINESIS:get*","kinesis:Describe?tream"],"Resource":"arn:aws:kinesis:*:000000000000:stream/ord*"}}
            """);
        Assert.Equal(PolicyDecision.Allow, policy.Evaluate(Bob, "kinesis:GetShardIterator", Stream));
        Assert.Equal(PolicyDecision.Allow, policy.Evaluate(Bob, "kinesis:DescribeStream", Stream));
        Assert.Equal(PolicyDecision.NotApplicable, policy.Evaluate(Bob, "kinesis:DescribeStreamSummary", Stream));
        Assert.Equal(PolicyDecision.NotApplicable, policy.Evaluate(Bob, "kinesis:PutRecord", Stream));
        Assert.Equal(PolicyDecision.NotApplicable, policy.Evaluate(Bob, "kinesis:GetRecords", Stream.Replace("orders", "Orders")));
    }

    [Fact]
    public void A_matching_Deny_wins_over_every_Allow_whatever_their_order()
    {
        var policy = ResourcePolicy.Parse("""
            {"Statement":[
              {"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::000000000000:user/alice"},"Action":"kinesis:PutRecord","Resource":"*"},
              {"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}
            ]}
            """);
        Assert.Equal(PolicyDecision.Deny, policy.Evaluate(Alice, "kinesis:PutRecord", Stream));
        Assert.Equal(PolicyDecision.Allow, policy.Evaluate(Alice, "kinesis:PutRecords", Stream));
        Assert.Equal(PolicyDecision.Allow, policy.Evaluate(Owner, "kinesis:PutRecord", Stream));
    }

    [Theory]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kinesis:*","Resource":"*","Condition":{}}]}""", "'Condition' is not supported")]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":"*","Action":[],"Resource":"*"}]}""", "Action must be a string or a non-empty list of strings")]
    [InlineData("""{"Version":"2020-01-01","Statement":[]}""", "Version must be")]
    [InlineData("""{"Statement":[]}""", "Statement must not be empty")]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kinesis:*","Resource":"orders"}]}""", "the resource 'orders' is not an ARN")]
    [InlineData("""[]""", "it must be a JSON object")]
    [InlineData("""{"Statement":[{"Effect":"Allow","Principal":{"AWS":[]},"Action":"kinesis:*","Resource":"*"}]}""", "Principal.AWS must be a string or a non-empty list")]
    public void A_policy_outside_the_subset_is_refused_with_the_reason(string policy, string why)
    {
        var e = Assert.Throws<InvalidArgumentException>(() => ResourcePolicy.Parse(policy));
        Assert.Contains(why, e.Message);
    }

    [Fact]
    public void A_policy_longer_than_the_limit_is_refused()
    {
        var statement = """{"Effect":"Allow","Principal":"*","Action":"kinesis:*","Resource":"*"}""";
        var policy = "{\"Statement\":[" + string.Join(",", Enumerable.Repeat(statement, ResourcePolicy.MaxLength / statement.Length + 1)) + "]}";
        Assert.Contains("more than the", Assert.Throws<InvalidArgumentException>(() => ResourcePolicy.Parse(policy)).Message);
    }
}
