import DjinitSettings
import FuzzDriver

/// Every setting's value parser, and the settings report, on any value: the first byte picks the
/// setting, the rest is its value. Nothing may crash (an overflow is a bad value too), and a
/// secret's value never appears in an error or in `djinit config`'s output.
runFuzzer { data, size in
    guard let data, size >= 1 else { return 0 }
    let setting = Schema.all[Int(data[0]) % Schema.all.count]
    // A secret's value between two markers, none of which may ever show.
    let value = setting.isSecret ? "QZX" + text(data + 1, size - 1) + "XZQ" : text(data + 1, size - 1)
    let shown: String
    var accepted = true
    do throws(SettingsError) {
        shown = SettingsReport.effective(try Settings(environment: Environment([(name: setting.name, value: value)])))
    } catch {
        shown = error.description
        accepted = false
    }
    // An accepted URL is shown with its password redacted, the rest as parsed (FuzzRedaction
    // checks that); any other secret, and any refused one, is never shown at all.
    let shownInParts = accepted && setting.typeSummary.hasSuffix("URL")
    if setting.isSecret, !shownInParts, shown.contains("QZX") || shown.contains("XZQ") {
        fatalError("\(setting.name)'s value shown")
    }
    if shown.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\n" }) { fatalError("a control character shown") }
    return 0
}
