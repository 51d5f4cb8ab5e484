namespace Jano.Engine.Catalog;

/// <summary>The ten Fashion-MNIST class names (label order) and the prompts that select them.</summary>
public static class FashionMnistClasses
{
    public static IReadOnlyList<string> Names { get; } =
        ["t-shirt/top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle boot"];

    /// <summary>Label of a prompt (case-insensitive; "t-shirt" and "top" also select t-shirt/top), or -1.</summary>
    public static int Lookup(string prompt)
    {
        var p = prompt.Trim().ToLowerInvariant();
        if (p is "t-shirt" or "top" or "tshirt" or "t-shirt/top") return 0;
        for (int i = 0; i < Names.Count; i++)
            if (Names[i] == p) return i;
        return -1;
    }
}
