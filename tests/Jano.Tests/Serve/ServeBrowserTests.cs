using System.Net.Http.Json;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using Xunit;
using Xunit.Abstractions;

namespace Jano.Tests.Serve;

/// <summary>The page in a real browser (Debian's chromium and chromium-driver, headless, nothing downloaded): submit a job,
/// watch at least 3 distinct progress steps arrive before it completes, then the output image (the API's bytes) and the
/// level map in the gallery, a live preview while it runs, the form filled from the output PNG's settings (and an error line
/// for a file without them), with no console errors. Screenshots go to <c>TestResults/</c>.</summary>
[Collection(ServeSuite.Name)]
public sealed class ServeBrowserTests(ServeModels models, ITestOutputHelper output)
{
    [Fact]
    public async Task The_page_submits_a_job_shows_live_steps_and_the_results()
    {
        var chromium = ServeTools.Require("chromium", "/usr/bin/chromium");
        var chromedriver = ServeTools.Require("chromium-driver", "/usr/bin/chromedriver");
        if (chromium is null || chromedriver is null)
        {
            output.WriteLine("chromium or chromium-driver is not installed (scripts/setup.sh installs them); not run outside CI");
            return;
        }
        Environment.SetEnvironmentVariable("SE_OFFLINE", "true"); // Selenium Manager must not download anything
        await using var h = await ServeHarness.Start(models.Host);
        using var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(chromedriver)!, Path.GetFileName(chromedriver));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        var options = new ChromeOptions { BinaryLocation = chromium };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1100,1400", "--disable-gpu");
        options.SetLoggingPreference(LogType.Browser, LogLevel.All);
        using var driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(120));
        var js = driver;
        driver.Navigate().GoToUrl(h.Http.BaseAddress!);

        await Until(() => (long)js.ExecuteScript("return document.getElementById('f-model').options.length")! >= 2, "the form never filled in");
        js.ExecuteScript("const m = document.getElementById('f-model'); m.value = 'fmnist-video'; m.dispatchEvent(new Event('change'));");
        js.ExecuteScript("document.getElementById('f-accel').value = 'jano';");
        var prompt = driver.FindElement(By.Id("f-prompt"));
        prompt.Clear();
        prompt.SendKeys("bag");
        var steps = driver.FindElement(By.Id("f-steps"));
        steps.Clear();
        steps.SendKeys("80");
        var frames = driver.FindElement(By.Id("f-frames"));
        frames.Clear();
        frames.SendKeys("4");
        driver.FindElement(By.Id("f-go")).Click();

        long seen = 0;
        bool shot = false, previewShown = false;
        await Until(() =>
        {
            long n = (long)js.ExecuteScript("return document.querySelectorAll('#live-steps span').length")!;
            if (!(bool)js.ExecuteScript("return !!document.querySelector('#gallery img.output')")!)
            {
                seen = Math.Max(seen, n);
                previewShown |= (bool)js.ExecuteScript(
                    "const i = document.getElementById('live-preview'); return !document.getElementById('live-preview-box').hidden && i.complete && i.naturalWidth > 0")!;
            }
            if (n >= 6 && !shot)
            {
                shot = true;
                driver.GetScreenshot().SaveAsFile(Path.Combine(ServeTools.Results, "serve-page-running.png"));
            }
            return (bool)js.ExecuteScript("const i = document.querySelector('#gallery img.output'); return !!i && i.complete && i.naturalWidth > 0")!;
        }, "the output image never showed", seconds: 180);
        Assert.True(seen >= 3, $"only {seen} distinct progress steps were shown before the job completed");
        Assert.True(previewShown, "no live preview image was shown while the job ran");
        await Until(() => (bool)js.ExecuteScript("const i = document.querySelector('#gallery img.levels'); return !!i && i.complete && i.naturalWidth > 0")!,
            "the level map never showed");

        var src = (string)js.ExecuteScript("return document.querySelector('#gallery img.output').getAttribute('src')")!;
        var id = src.Split('/')[3];
        var base64 = (string)js.ExecuteAsyncScript("""
            const done = arguments[arguments.length - 1];
            fetch(document.querySelector('#gallery img.output').src).then(r => r.arrayBuffer()).then(b => {
              let s = ''; new Uint8Array(b).forEach(x => s += String.fromCharCode(x)); done(btoa(s)); });
            """)!;
        Assert.Equal(await h.Output(id, "output.png"), Convert.FromBase64String(base64));

        driver.GetScreenshot().SaveAsFile(Path.Combine(ServeTools.Results, "serve-page.png"));
        await ReloadsSettingsFromPngs(h, driver, id);
        var errors = driver.Manage().Logs.GetLog(LogType.Browser).Where(e => e.Level >= LogLevel.Severe).Select(e => e.Message).ToArray();
        Assert.True(errors.Length == 0, "console errors: " + string.Join(" | ", errors));
        output.WriteLine($"distinct steps shown before completion: {seen}");
    }

    // The form's "settings from a PNG": the job's output.png (downloaded to a file) fills the form with the job's spec; a file
    // that is not a PNG, and a PNG without the settings chunk, each show one error line and leave the form alone.
    private static async Task ReloadsSettingsFromPngs(ServeHarness h, ChromeDriver driver, string id)
    {
        var spec = (await h.Job(id)).GetProperty("spec");
        var png = await h.Output(id, "output.png");
        var dir = Path.Combine(Path.GetTempPath(), $"jano-png-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            string withSettings = Path.Combine(dir, "output.png"), plain = Path.Combine(dir, "plain.png"), text = Path.Combine(dir, "notes.png");
            File.WriteAllBytes(withSettings, png);
            File.WriteAllBytes(plain, Jano.Server.Workers.PngText.Strip(png));
            File.WriteAllText(text, "not a picture");
            string Value(string field) => (string)driver.ExecuteScript($"return document.getElementById('{field}').value")!;
            bool Compare() => (bool)driver.ExecuteScript("return document.getElementById('f-compare').checked")!;
            string Error() => (string)driver.ExecuteScript("return document.getElementById('f-png-error').textContent")!;

            // Move the form away from the job's settings first.
            driver.ExecuteScript("const m = document.getElementById('f-model'); m.value = 'fmnist-image'; m.dispatchEvent(new Event('change'));");
            driver.ExecuteScript("document.getElementById('f-accel').value = 'none'; document.getElementById('f-seed').value = '';");
            var form = new[] { "f-model", "f-prompt", "f-seed", "f-steps", "f-size", "f-frames", "f-accel", "f-options" };
            var moved = form.Select(Value).ToArray();
            Assert.NotEqual("fmnist-video", moved[0]);

            foreach (var (file, message) in new[] { (text, "notes.png: not a PNG file"), (plain, "plain.png: this PNG carries no Jano settings") })
            {
                driver.FindElement(By.Id("f-png")).SendKeys(file);
                await Until(() => Error().Length > 0, $"no error line for {Path.GetFileName(file)}");
                Assert.StartsWith(message, Error(), StringComparison.Ordinal);
                Assert.Equal(moved, form.Select(Value).ToArray());
            }

            driver.FindElement(By.Id("f-png")).SendKeys(withSettings);
            await Until(() => Value("f-model") == spec.GetProperty("model").GetString(), "the PNG's settings never filled the form");
            Assert.Equal("", Error());
            string Spec(string name) => spec.TryGetProperty(name, out var v) && v.ValueKind != System.Text.Json.JsonValueKind.Null ? v.ToString() : "";
            var video = (await h.Http.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/models")).EnumerateArray()
                .Single(m => m.GetProperty("name").GetString() == "fmnist-video");
            string size = Spec("width").Length > 0 ? $"{Spec("width")}x{Spec("height")}" : $"{video.GetProperty("width")}x{video.GetProperty("height")}";
            Assert.Equal(
                [Spec("model"), Spec("prompt"), Spec("seed"), Spec("steps"), size, Spec("frames"), Spec("accel"), Spec("accel_options")],
                form.Select(Value).ToArray());
            Assert.Equal(("bag", "80", "4", "jano"), (Spec("prompt"), Spec("steps"), Spec("frames"), Spec("accel")));
            Assert.Equal(spec.GetProperty("compare").GetBoolean(), Compare());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task Until(Func<bool> condition, string failure, int seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException(failure);
            await Task.Delay(20);
        }
    }
}
