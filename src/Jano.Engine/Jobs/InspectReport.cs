namespace Jano.Engine.Jobs;

/// <summary>What <see cref="InspectJob"/> found in a checkpoint folder.</summary>
/// <param name="Folder">The inspected folder (full path).</param>
/// <param name="Layout">The layout it was checked against (e.g. "Wan2.1-T2V").</param>
/// <param name="Items">One item per expected component, in a fixed order.</param>
public sealed record InspectReport(string Folder, string Layout, IReadOnlyList<InspectItem> Items)
{
    /// <summary>Components that are absent.</summary>
    public IReadOnlyList<string> Missing => Items.Where(i => i.Status == "missing").Select(i => i.Name).ToList();

    /// <summary>Components that are present but wrong (unreadable, or keys/shapes that do not fit).</summary>
    public IReadOnlyList<string> Invalid => Items.Where(i => i.Status == "invalid").Select(i => i.Name).ToList();

    /// <summary>True when nothing is missing or invalid.</summary>
    public bool Complete => Missing.Count == 0 && Invalid.Count == 0;

    /// <summary>One line: "complete" or what is missing / invalid.</summary>
    public string Summary
    {
        get
        {
            if (Complete) return $"{Folder}: complete {Layout} checkpoint";
            var parts = new List<string>();
            if (Missing.Count > 0) parts.Add($"missing {string.Join(", ", Missing)}");
            if (Invalid.Count > 0) parts.Add($"invalid {string.Join(", ", Items.Where(i => i.Status == "invalid").Select(i => $"{i.Name} ({i.Detail})"))}");
            return $"{Folder}: incomplete {Layout} checkpoint: {string.Join("; ", parts)}";
        }
    }
}
