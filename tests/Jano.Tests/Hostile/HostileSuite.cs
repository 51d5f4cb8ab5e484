using Xunit;

namespace Jano.Tests.Hostile;

/// <summary>The hostile-input suite runs alone (no other test in parallel), so its memory bound measures only the case
/// under test.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HostileSuite
{
    public const string Name = "Hostile";
}
