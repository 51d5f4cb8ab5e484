using Jano.Core.Weights;

namespace Jano.Tests.Hostile;

/// <summary>What the hostile cases do with a weight file: open it (every header and pickle check) and read every tensor.</summary>
internal static class HostileLoad
{
    public static void ReadEverything(string path)
    {
        using var file = WeightLoader.OpenTensorFile(path);
        foreach (var entry in file.Entries)
        {
            using var t = file.Read(entry.Name);
        }
    }

    /// <summary>Applies <paramref name="change"/> to <paramref name="value"/> and returns it (for one-line case builders).</summary>
    public static T Also<T>(this T value, Action<T> change)
    {
        change(value);
        return value;
    }

    /// <summary>Maps <paramref name="value"/> through <paramref name="map"/> (for one-line case builders).</summary>
    public static TResult Let<T, TResult>(this T value, Func<T, TResult> map) => map(value);
}
