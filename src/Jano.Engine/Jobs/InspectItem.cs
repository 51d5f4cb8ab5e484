namespace Jano.Engine.Jobs;

/// <summary>One component of a checkpoint folder as <see cref="InspectJob"/> found it.</summary>
/// <param name="Name">The component's path relative to the folder (e.g. <c>Wan2.1_VAE.pth</c>, <c>google/umt5-xxl</c>).</param>
/// <param name="Status">"ok", "missing", "invalid", or "placeholder" (an empty file: present, contents not checked).</param>
/// <param name="Detail">What was checked or what is wrong, one line.</param>
public sealed record InspectItem(string Name, string Status, string Detail);
