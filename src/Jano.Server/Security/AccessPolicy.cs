using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Jano.Server.Security;

/// <summary>
/// Who may talk to the server: the host names it answers to (against DNS rebinding), the one extra origin allowed
/// cross-site (<c>--cors</c>), and the access token required when it listens beyond loopback (or a token file was given).
/// </summary>
public sealed class AccessPolicy
{
    private readonly byte[]? _tokenHash;
    private readonly HashSet<string> _hosts;

    public AccessPolicy(IEnumerable<string> allowedHosts, string? corsOrigin, string? token)
    {
        ArgumentNullException.ThrowIfNull(allowedHosts);
        _hosts = new HashSet<string>(allowedHosts.Select(NormalizeHost), StringComparer.OrdinalIgnoreCase);
        CorsOrigin = corsOrigin?.TrimEnd('/');
        _tokenHash = token is null ? null : SHA256.HashData(Encoding.UTF8.GetBytes(token));
    }

    /// <summary>The cross-site origin allowed, or null.</summary>
    public string? CorsOrigin { get; }

    /// <summary>True when requests to the API need the token.</summary>
    public bool RequiresToken => _tokenHash is not null;

    /// <summary>Name of the cookie holding the token for the page.</summary>
    public const string CookieName = "jano_token";

    public bool HostAllowed(string host) => _hosts.Contains(NormalizeHost(host));

    /// <summary>Compares <paramref name="candidate"/> with the token in constant time (hashes of equal length).</summary>
    public bool TokenMatches(string? candidate)
    {
        if (_tokenHash is null) return true;
        if (candidate is null) return false;
        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(candidate)), _tokenHash);
    }

    /// <summary>The host names a server bound to <paramref name="bind"/> answers to: loopback names, the bind address
    /// (unless a wildcard), the machine's name, and <paramref name="extra"/>.</summary>
    public static IReadOnlyList<string> HostsFor(string bind, IEnumerable<string> extra)
    {
        var hosts = new List<string> { "localhost", "127.0.0.1", "::1" };
        if (bind is not ("0.0.0.0" or "::" or "*")) hosts.Add(bind);
        else hosts.Add(Environment.MachineName);
        hosts.AddRange(extra);
        return hosts;
    }

    /// <summary>True when <paramref name="bind"/> is a loopback address or <c>localhost</c>.</summary>
    public static bool IsLoopback(string bind) =>
        string.Equals(bind, "localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(bind, out var ip) && IPAddress.IsLoopback(ip));

    private static string NormalizeHost(string host) => host.Trim().TrimStart('[').TrimEnd(']').TrimEnd('.').ToLowerInvariant();
}
