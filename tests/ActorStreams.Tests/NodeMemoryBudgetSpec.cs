using ActorStreams.Internal;
using ActorStreams.Kinesis.Internal.Shards;
using Akka.Configuration;
using Xunit;

namespace ActorStreams.Tests;

/// <summary>The node's memory budget alone (no actors): reading the setting, and hot tails that draw from it.</summary>
public sealed class NodeMemoryBudgetSpec
{
    private static NodeMemoryBudget Read(string value) =>
        NodeMemoryBudget.Create(ConfigurationFactory.ParseString($"memory-budget = {value}"));

    [Fact]
    public void The_setting_must_take_a_size_or_a_percentage_of_the_available_memory_and_refuse_anything_else()
    {
        Assert.Equal(512L * 1024 * 1024, Read("512 MiB").LimitBytes);
        var quarter = Read("\"25%\"").LimitBytes;
        Assert.Equal(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 4, quarter, 1.0);
        // The default is a quarter of the available memory.
        Assert.Equal(quarter, NodeMemoryBudget.Create(Config.Empty).LimitBytes);
        var zero = Assert.Throws<ConfigurationException>(() => Read("\"0%\""));
        Assert.Contains(NodeMemoryBudget.SettingName, zero.Message);
        Assert.Throws<ConfigurationException>(() => Read("\"150%\""));
    }

    [Fact]
    public void A_hot_tail_must_draw_from_the_budget_evict_while_it_is_spent_and_give_everything_back_when_cleared()
    {
        var budget = new NodeMemoryBudget(1000);
        var tail = new HotTail(maxBytes: 10_000, budget);
        for (var i = 1; i <= 4; i++) tail.Add(i, new RecordsAppended(i, []), 200);
        Assert.Equal(800, budget.UsedBytes);
        Assert.Equal(4, tail.Count);

        // Something else takes the rest of the budget: the next event makes the tail evict its oldest ones.
        budget.Adjust(500);
        tail.Add(5, new RecordsAppended(5, []), 200);
        Assert.False(budget.Exceeded);
        Assert.Equal(2, tail.Count);
        Assert.Equal(4, tail.FirstEventNo);
        Assert.Equal(900, budget.UsedBytes);

        // The newest event always stays, even when the budget cannot hold it.
        tail.Add(6, new RecordsAppended(6, []), 2000);
        Assert.Equal(1, tail.Count);
        Assert.True(budget.Exceeded);
        Assert.Equal(0, budget.AvailableBytes);

        tail.Clear();
        Assert.Equal(500, budget.UsedBytes);
    }
}
