using Jano.Core.Acceleration;
using Jano.Engine.Catalog;

namespace Jano.Tests.Contract;

/// <summary>
/// Each catalog accelerator's setting for the contract suite: one under which it acts on 12-step tiny runs (skips,
/// reuses or selects, so the comparisons mean something). A catalog entry without a line here fails every contract test
/// with a message naming it; off settings come from the catalog itself (<see cref="AcceleratorCatalog.Off"/>).
/// </summary>
public static class ContractSettings
{
    private static readonly Dictionary<string, string> On = new()
    {
        ["none"] = "",
        ["jano"] = "",
        ["jano+teacache"] = "rel_l1_thresh=0.7",
        ["jano+magcache"] = "magcache_k=2",
        ["jano+easycache"] = "thresh=2",
        ["teacache"] = "rel_l1_thresh=0.8",
        ["magcache"] = "magcache_k=3",
        ["easycache"] = "warmup_steps=3,thresh=2",
        ["pab"] = "warmup_steps=2,cooldown_steps=2,layer_interval=1,self_range=3,cross_range=4",
        ["toca"] = "fresh_ratio=0.25",
        ["ras"] = "start_step=2,end_step=9,reset_steps=6,sample_ratio=0.5",
    };

    /// <summary>Every (catalog accelerator, model family) pair.</summary>
    public static IEnumerable<object[]> Cases() =>
        from accel in AcceleratorCatalog.Names
        from family in ContractFamily.All
        select new object[] { accel, family.Name };

    /// <summary>The accelerator at its contract setting for <paramref name="family"/>.</summary>
    public static IAccelerator Acting(string accel, ContractFamily family) =>
        AcceleratorCatalog.Create(accel, family.JanoPreset, On.TryGetValue(accel, out var o) ? o
            : throw new InvalidOperationException($"catalog accelerator '{accel}' has no contract setting in {nameof(ContractSettings)}"));

    /// <summary>The accelerator at its catalog off setting.</summary>
    public static IAccelerator Off(string accel, ContractFamily family) =>
        AcceleratorCatalog.Create(accel, family.JanoPreset, AcceleratorCatalog.Off(accel));
}
