namespace Jano.Core.Acceleration;

/// <summary>Which classifier-free-guidance branch a batch row belongs to. Caches are kept per branch.</summary>
public enum GuidanceBranch
{
    Cond = 0,
    Uncond = 1,
}
