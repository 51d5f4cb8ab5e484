namespace Jano;

/// <summary>An accelerator <see cref="JanoRequest.Accelerator"/> accepts.</summary>
/// <param name="Name">The name to pass (e.g. <c>jano</c>).</param>
/// <param name="Description">One line on what it does.</param>
public sealed record JanoAcceleratorInfo(string Name, string Description);
