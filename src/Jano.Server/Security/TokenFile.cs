using System.Security.Cryptography;

namespace Jano.Server.Security;

/// <summary>The access token's file: read when present, else created with a random token readable by the owner only.</summary>
public static class TokenFile
{
    /// <summary>The token in <paramref name="path"/>, creating the file when missing.</summary>
    /// <exception cref="Core.UsageException">The file exists but holds no token.</exception>
    public static string ReadOrCreate(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (File.Exists(path))
        {
            var text = File.ReadAllText(path).Trim();
            if (text.Length < 16) throw new Core.UsageException($"--token-file '{path}': holds no token (expected at least 16 characters)");
            return text;
        }
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(path, options))
        using (var writer = new StreamWriter(stream))
            writer.WriteLine(token);
        return token;
    }
}
