using Jano.Server.Api;
using Microsoft.AspNetCore.Http;

namespace Jano.Server.Security;

/// <summary>
/// Applied to every request before routing: security headers (Content-Security-Policy and friends) on every answer, the
/// Host allow-list, the same-origin rule for writes (and CORS for <see cref="AccessPolicy.CorsOrigin"/> only), JSON-only
/// bodies within the size limit, and the access token for the API when one is required.
/// </summary>
public sealed class SecurityMiddleware
{
    /// <summary>The page loads only its own script, style and images (data URLs for previews); nothing may frame it.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; media-src 'self'; connect-src 'self'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private readonly RequestDelegate _next;
    private readonly AccessPolicy _policy;
    private readonly long _maxBody;

    public SecurityMiddleware(RequestDelegate next, AccessPolicy policy, ServerLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        _next = next;
        _policy = policy;
        _maxBody = limits.MaxBodyBytes;
    }

    private static bool IsWrite(string method) => !(HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method));

    public async Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Request;
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Resource-Policy"] = "same-origin";

        if (!request.Host.HasValue || !_policy.HostAllowed(request.Host.Host))
        {
            await ApiErrors.Write(context, StatusCodes.Status421MisdirectedRequest,
                $"host '{request.Host.Host}' is not one this server answers to (start it with --allow-host NAME)").ConfigureAwait(false);
            return;
        }

        string? origin = request.Headers.Origin;
        bool cors = false;
        if (!string.IsNullOrEmpty(origin))
        {
            string own = $"{request.Scheme}://{request.Host.Value}";
            if (_policy.CorsOrigin is { } allowed && string.Equals(origin.TrimEnd('/'), allowed, StringComparison.OrdinalIgnoreCase))
            {
                cors = true;
                headers.AccessControlAllowOrigin = allowed;
                headers.Vary = "Origin";
                if (HttpMethods.IsOptions(request.Method))
                {
                    headers.AccessControlAllowMethods = "GET, POST, DELETE";
                    headers.AccessControlAllowHeaders = "Content-Type, Authorization";
                    headers.AccessControlMaxAge = "600";
                    context.Response.StatusCode = StatusCodes.Status204NoContent;
                    return;
                }
            }
            else if (!string.Equals(origin, own, StringComparison.OrdinalIgnoreCase) && IsWrite(request.Method))
            {
                await ApiErrors.Write(context, StatusCodes.Status403Forbidden, $"cross-origin request from '{origin}' refused").ConfigureAwait(false);
                return;
            }
        }
        else if (IsWrite(request.Method) && request.Headers["Sec-Fetch-Site"].ToString() is { Length: > 0 } site && site is not ("same-origin" or "none"))
        {
            await ApiErrors.Write(context, StatusCodes.Status403Forbidden, $"cross-site request ({site}) refused").ConfigureAwait(false);
            return;
        }

        if (IsWrite(request.Method))
        {
            bool hasBody = request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0;
            if (request.ContentLength is { } length && length > _maxBody)
            {
                headers.Connection = "close"; // the unread body makes the connection unusable for another request
                await ApiErrors.Write(context, StatusCodes.Status413PayloadTooLarge, $"request body of {length} bytes is over the limit of {_maxBody} bytes").ConfigureAwait(false);
                return;
            }
            if (hasBody && !IsJson(request.ContentType))
            {
                await ApiErrors.Write(context, StatusCodes.Status415UnsupportedMediaType, "request bodies must be JSON (Content-Type: application/json)").ConfigureAwait(false);
                return;
            }
        }

        if (_policy.RequiresToken && request.Path.StartsWithSegments("/api", StringComparison.Ordinal)
            && !request.Path.Equals("/api/login", StringComparison.Ordinal) && !(cors && HttpMethods.IsOptions(request.Method)))
        {
            if (!_policy.TokenMatches(PresentedToken(request)))
            {
                await ApiErrors.Write(context, StatusCodes.Status401Unauthorized, "a valid access token is required (Authorization: Bearer TOKEN, or log in on the page)").ConfigureAwait(false);
                return;
            }
        }
        await _next(context).ConfigureAwait(false);
    }

    private static bool IsJson(string? contentType) =>
        contentType is not null && contentType.Split(';')[0].Trim().Equals("application/json", StringComparison.OrdinalIgnoreCase);

    private static string? PresentedToken(HttpRequest request)
    {
        string auth = request.Headers.Authorization.ToString();
        if (auth.StartsWith("Bearer ", StringComparison.Ordinal)) return auth["Bearer ".Length..].Trim();
        return request.Cookies.TryGetValue(AccessPolicy.CookieName, out var cookie) ? cookie : null;
    }
}
