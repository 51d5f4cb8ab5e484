using Xunit;

namespace Jano.Tests.Serve;

/// <summary>Server tests run one at a time (no other test in parallel): they start Kestrel, worker processes and
/// generations whose leases and timings must not compete with the rest of the suite.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ServeSuite : ICollectionFixture<ServeModels>
{
    public const string Name = "Serve";
}
