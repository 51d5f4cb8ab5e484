using System.Net;
using System.Text;
using Jano.Server.Security;
using Xunit;

namespace Jano.Tests.Serve;

/// <summary>The server's defences, one test each: Host allow-list, same-origin writes, JSON-only bodies, CORS only when
/// asked, CSP, the token beyond loopback (constant-time compare, HttpOnly SameSite=Strict cookie), escaped text in the
/// page, and the request limits with clear 4xx answers.</summary>
[Collection(ServeSuite.Name)]
public sealed class ServeSecurityTests(ServeModels models)
{
    private static readonly object Job = new { model = "fmnist-image", prompt = "bag", steps = 2 };

    private static HttpRequestMessage Request(HttpMethod method, string path, object? body = null, params (string, string)[] headers)
    {
        var m = new HttpRequestMessage(method, path) { Content = body is null ? null : ServeHarness.Json(body) };
        foreach (var (k, v) in headers) m.Headers.TryAddWithoutValidation(k, v);
        return m;
    }

    private static async Task<(HttpStatusCode, string)> Send(ServeHarness h, HttpRequestMessage m)
    {
        using (m)
        using (var r = await h.Http.SendAsync(m))
            return (r.StatusCode, await r.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task An_unknown_host_header_is_refused()
    {
        await using var h = await ServeHarness.Start(models.Host, o => o with { Workers = 0 });
        var (status, body) = await Send(h, Request(HttpMethod.Get, "/api/jobs", null, ("Host", "evil.example")));
        Assert.Equal(HttpStatusCode.MisdirectedRequest, status);
        Assert.Contains("evil.example", body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await Send(h, Request(HttpMethod.Get, "/api/jobs", null, ("Host", "localhost")))).Item1);
    }

    [Fact]
    public async Task Writes_from_another_origin_are_refused_and_no_cors_header_is_sent()
    {
        await using var h = await ServeHarness.Start(models.Host, o => o with { Workers = 0 });
        var (status, body) = await Send(h, Request(HttpMethod.Post, "/api/jobs", Job, ("Origin", "https://evil.example")));
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("cross-origin", body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(h, Request(HttpMethod.Post, "/api/jobs", Job, ("Sec-Fetch-Site", "cross-site")))).Item1);
        string own = h.Http.BaseAddress!.ToString().TrimEnd('/');
        Assert.Equal(HttpStatusCode.Created, (await Send(h, Request(HttpMethod.Post, "/api/jobs", Job, ("Origin", own)))).Item1);

        using var get = await h.Http.SendAsync(Request(HttpMethod.Get, "/api/jobs", null, ("Origin", "https://evil.example")));
        Assert.False(get.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Cors_is_sent_only_for_the_configured_origin()
    {
        await using var h = await ServeHarness.Start(models.Host, o => o with { Workers = 0, CorsOrigin = "https://app.example" });
        using var pre = await h.Http.SendAsync(Request(HttpMethod.Options, "/api/jobs", null, ("Origin", "https://app.example"), ("Access-Control-Request-Method", "POST")));
        Assert.Equal(HttpStatusCode.NoContent, pre.StatusCode);
        Assert.Equal("https://app.example", pre.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal(HttpStatusCode.Created, (await Send(h, Request(HttpMethod.Post, "/api/jobs", Job, ("Origin", "https://app.example")))).Item1);
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(h, Request(HttpMethod.Post, "/api/jobs", Job, ("Origin", "https://other.example")))).Item1);
    }

    [Fact]
    public async Task Bodies_must_be_json()
    {
        await using var h = await ServeHarness.Start(models.Host, o => o with { Workers = 0 });
        using var form = new HttpRequestMessage(HttpMethod.Post, "/api/jobs") { Content = new StringContent("model=fmnist-image&prompt=bag", Encoding.UTF8, "application/x-www-form-urlencoded") };
        var (status, body) = await Send(h, form);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, status);
        Assert.Contains("JSON", body, StringComparison.Ordinal);
        using var text = new HttpRequestMessage(HttpMethod.Post, "/api/jobs") { Content = new StringContent("{}", Encoding.UTF8, "text/plain") };
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await Send(h, text)).Item1);
        using var bad = new HttpRequestMessage(HttpMethod.Post, "/api/jobs") { Content = new StringContent("{\"model\": 3", Encoding.UTF8, "application/json") };
        Assert.Equal(HttpStatusCode.BadRequest, (await Send(h, bad)).Item1);
        using var extra = new HttpRequestMessage(HttpMethod.Post, "/api/jobs") { Content = ServeHarness.Json(new { model = "fmnist-image", prompt = "bag", path = "/etc" }) };
        var (s2, b2) = await Send(h, extra);
        Assert.Equal(HttpStatusCode.BadRequest, s2);
        Assert.Contains("unknown field", b2, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_answer_carries_the_content_security_policy()
    {
        await using var h = await ServeHarness.Start(models.Host, o => o with { Workers = 0 });
        foreach (var path in new[] { "/", "/app.js", "/api/jobs", "/api/jobs/none" })
        {
            using var r = await h.Http.GetAsync(path);
            Assert.Equal(SecurityMiddleware.ContentSecurityPolicy, r.Headers.GetValues("Content-Security-Policy").Single());
            Assert.Equal("nosniff", r.Headers.GetValues("X-Content-Type-Options").Single());
        }
        Assert.Contains("script-src 'self'", SecurityMiddleware.ContentSecurityPolicy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", SecurityMiddleware.ContentSecurityPolicy, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_page_puts_user_text_in_the_document_only_as_text()
    {
        await using var h = await ServeHarness.Start(models.Host, o => o with { Workers = 0 });
        var js = await h.Http.GetStringAsync("/app.js");
        var html = await h.Http.GetStringAsync("/");
        foreach (var sink in new[] { "innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function" })
            Assert.DoesNotContain(sink, js, StringComparison.Ordinal);
        Assert.Contains("textContent", js, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal); // no inline script (the CSP forbids it too)
    }

    [Fact]
    public async Task Beyond_loopback_a_token_is_required_and_generated_into_an_owner_only_file()
    {
        await using var h = await ServeHarness.Start(models.Host, o => o with { Workers = 0, Bind = "0.0.0.0" });
        var file = Path.Combine(h.DataDir, "token");
        Assert.Equal(file, h.Server.TokenPath);
        var token = File.ReadAllText(file).Trim();
        Assert.True(token.Length >= 32);
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));

        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(h, Request(HttpMethod.Get, "/api/jobs"))).Item1);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(h, Request(HttpMethod.Get, "/api/jobs", null, ("Authorization", "Bearer " + token[..^1] + "x")))).Item1);
        Assert.Equal(HttpStatusCode.OK, (await Send(h, Request(HttpMethod.Get, "/api/jobs", null, ("Authorization", "Bearer " + token)))).Item1);
        Assert.Equal(HttpStatusCode.OK, (await Send(h, Request(HttpMethod.Get, "/healthz"))).Item1);

        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(h, Request(HttpMethod.Post, "/api/login", new { token = "wrong-token-wrong-token" }))).Item1);
        using var login = await h.Http.SendAsync(Request(HttpMethod.Post, "/api/login", new { token }));
        Assert.Equal(HttpStatusCode.NoContent, login.StatusCode);
        var cookie = login.Headers.GetValues("Set-Cookie").Single();
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        var pair = cookie.Split(';')[0];
        Assert.Equal(HttpStatusCode.OK, (await Send(h, Request(HttpMethod.Get, "/api/jobs", null, ("Cookie", pair)))).Item1);

        // The same token file is read, not replaced, at the next start.
        await using var again = await ServeHarness.Start(null, o => o with { Workers = 0, Bind = "0.0.0.0", TokenFile = file }, CopyOf(file));
        Assert.Equal(token, File.ReadAllText(file).Trim());
        Assert.Equal(HttpStatusCode.OK, (await Send(again, Request(HttpMethod.Get, "/api/jobs", null, ("Authorization", "Bearer " + token)))).Item1);
        Assert.True(AccessPolicy.IsLoopback("127.0.0.1") && !AccessPolicy.IsLoopback("0.0.0.0"));
    }

    private static string CopyOf(string file)
    {
        var dir = Cli.CliRunner.TempDir();
        File.Copy(file, Path.Combine(dir, "token-copy"));
        return dir;
    }

    [Fact]
    public async Task Limits_give_clear_4xx_answers()
    {
        await using var h = await ServeHarness.Start(models.Host, o => o with
        {
            Workers = 0, Limits = o.Limits with { MaxQueued = 3, MaxBatch = 2, MaxSteps = 50, MaxSide = 64, MaxPromptChars = 40, MaxBodyBytes = 2048 },
        });
        async Task Expect(object body, HttpStatusCode code, string words)
        {
            var (status, text) = await Send(h, Request(HttpMethod.Post, "/api/jobs", body));
            Assert.True(status == code, $"{(int)status} {text}");
            Assert.Contains(words, System.Text.Json.JsonDocument.Parse(text).RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        }
        await Expect(new { model = "fmnist-image", prompt = new string('a', 41) }, HttpStatusCode.BadRequest, "prompt: 41 characters, at most 40");
        await Expect(new { model = "fmnist-image", prompt = "bag", steps = 51 }, HttpStatusCode.BadRequest, "steps: 51 is outside 1..50");
        await Expect(new { model = "fmnist-image", prompt = "bag", width = 128, height = 32 }, HttpStatusCode.BadRequest, "width: 128 is outside 8..64");
        await Expect(new { model = "fmnist-video", prompt = "bag", frames = 100000 }, HttpStatusCode.BadRequest, "frames: 100000");
        await Expect(new { model = "fmnist-image", prompt = "bag", seeds = new[] { 1, 2, 3 } }, HttpStatusCode.BadRequest, "seeds: 1 to 2 seeds");
        await Expect(new { model = "fmnist-image", prompt = "dragon" }, HttpStatusCode.BadRequest, "prompt 'dragon'");
        await Expect(new { model = "fmnist-image", prompt = "bag", accel = "warp" }, HttpStatusCode.BadRequest, "accel 'warp'");
        await Expect(new { model = "fmnist-image", prompt = "bag", accel = "jano", accel_options = "static_thresh=banana" }, HttpStatusCode.BadRequest, "static_thresh");
        await Expect(new { model = "fmnist-image", prompt = new string('b', 3000) }, HttpStatusCode.RequestEntityTooLarge, "limit of 2048 bytes");
        await h.Submit(new { model = "fmnist-image", prompt = "bag", seeds = new[] { 1, 2 } });
        await h.Submit(new { model = "fmnist-image", prompt = "bag" });
        await Expect(new { model = "fmnist-image", prompt = "bag" }, HttpStatusCode.TooManyRequests, "the queue is full");
    }
}
