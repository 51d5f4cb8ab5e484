using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using Xunit;
using Xunit.Abstractions;

namespace Jano.Tests.Serve;

/// <summary>The page in a real browser (Debian's chromium and chromium-driver, headless, nothing downloaded): submit a job,
/// watch at least 3 distinct progress steps arrive before it completes, then the output image (the API's bytes) and the
/// level map in the gallery, with no console errors. Screenshots go to <c>TestResults/</c>.</summary>
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
        bool shot = false;
        await Until(() =>
        {
            long n = (long)js.ExecuteScript("return document.querySelectorAll('#live-steps span').length")!;
            if (!(bool)js.ExecuteScript("return !!document.querySelector('#gallery img.output')")!) seen = Math.Max(seen, n);
            if (n >= 6 && !shot)
            {
                shot = true;
                driver.GetScreenshot().SaveAsFile(Path.Combine(ServeTools.Results, "serve-page-running.png"));
            }
            return (bool)js.ExecuteScript("const i = document.querySelector('#gallery img.output'); return !!i && i.complete && i.naturalWidth > 0")!;
        }, "the output image never showed", seconds: 180);
        Assert.True(seen >= 3, $"only {seen} distinct progress steps were shown before the job completed");
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
        var errors = driver.Manage().Logs.GetLog(LogType.Browser).Where(e => e.Level >= LogLevel.Severe).Select(e => e.Message).ToArray();
        Assert.True(errors.Length == 0, "console errors: " + string.Join(" | ", errors));
        output.WriteLine($"distinct steps shown before completion: {seen}");
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
