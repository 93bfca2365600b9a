import Foundation
import OpenAIClient

/// The catalogue's audio models as the rules see them at one moment.
///
/// The choices of a purpose are the audio models of its task (`capabilities.task`), in the catalogue's
/// order, without the models retired at `date`. A new model is a catalogue change: nothing here names a
/// model except the defaults in ``AudioRules/Defaults``.
struct AudioModels: Sendable {
    /// What a request does with a model.
    enum Purpose: Sendable {
        /// `task == "speech"`.
        case speech
        /// `task == "transcription"`.
        case transcription
        /// `task == "transcription"` and `translations: true`.
        case translation

        init(_ operation: AudioRules.Operation) {
            self = operation == .transcription ? .transcription : .translation
        }

        /// Whether `info` serves this purpose (retired or not).
        func matches(_ info: ModelInfo) -> Bool {
            guard info.kind == .audio else { return false }
            switch self {
            case .speech: return info.task == "speech"
            case .transcription: return info.task == "transcription"
            case .translation: return info.task == "transcription" && info.flag("translations") == true
            }
        }
    }

    let catalogue: ModelCatalogue
    let date: Date

    init(catalogue: ModelCatalogue, date: Date = Date()) {
        self.catalogue = catalogue
        self.date = date
    }

    /// The models of `purpose` not retired at `date`, in the catalogue's order.
    func choices(_ purpose: Purpose) -> [ModelInfo] {
        catalogue.models(kind: .audio, availableOn: date).filter(purpose.matches)
    }

    var speech: [ModelInfo] { choices(.speech) }
    var transcription: [ModelInfo] { choices(.transcription) }
    var translation: [ModelInfo] { choices(.translation) }

    func models(for operation: AudioRules.Operation) -> [ModelInfo] { choices(Purpose(operation)) }
}

/// Validation of the Audio API requests (seed-behavior §1.4, §2.7 messages, §2.10 file rules), with hints.
///
/// Which models, voices, formats, ranges and limits are accepted comes from the model catalogue
/// (`capabilities` of the audio models): the rules check a field against the capabilities of the model
/// the request names (or the default model), or, while that model is not known, against what any model
/// of the task accepts. A capability the catalogue does not state is not checked; a boolean capability
/// (`instructions`, `streaming`) refuses only when it is stated `false`. The messages are the seed's,
/// with their lists generated from the catalogue (a list over several models is the longest model list in
/// its own order, then what the others add). A model retired at the request's date is no choice: naming
/// it gives its retirement date, with its replacement as the hint. Dated snapshots resolve to their base
/// model (`gpt-4o-mini-tts-2025-12-15`).
///
/// Every function takes the catalogue (the bundled one, or `MODEL_CATALOGUE_FILE`) and the date that
/// decides retirement (now by default).
enum AudioRules {
    /// The defaults the gateway applies, in one place (the seed's).
    enum Defaults {
        static let speechModel = "tts-1"
        static let speechFormat = "mp3"
        static let speechSpeed = 1.0
        static let transcriptionModel = "whisper-1"
        static let transcriptFormat = "json"
        /// The audio size limit when no model of the catalogue states `max_file_bytes` (25 MiB, inclusive).
        static let maxAudioFileBytes = 26_214_400
    }

    // MARK: - Speech

    /// Problems with a `POST /api/audio/speech` body (empty when it is valid).
    /// - Parameters:
    ///   - catalogue: where the speech models and their capabilities come from.
    ///   - now: models retired at this date are refused.
    static func validateSpeech(_ body: JSONObject, catalogue: ModelCatalogue, now: Date = Date()) -> [ValidationProblem] {
        let audio = AudioModels(catalogue: catalogue, date: now)
        let choices = audio.speech
        var rules = FieldValidator(body)
        let model = checkModel(
            &rules,
            choices: choices,
            audio: audio,
            purpose: .speech,
            defaultName: Defaults.speechModel,
            defaultApplies: true,
            hint: modelHint(choices, defaultName: Defaults.speechModel, note: speechModelNote(choices))
        )
        // The other fields suit the request's model; without a valid one, any speech model.
        let candidates = model.map { [$0.info] } ?? choices

        let voices = candidates.capabilityUnion("voices")
        let requestedVoice = body["voice"]?.stringValue
        if let voices {
            rules.oneOf(
                "voice",
                values: voices,
                required: true,
                message: "voice must be one of: \(voices.joined(separator: ", "))",
                hint: choiceHint(
                    noun: "voice",
                    requested: requestedVoice,
                    values: voices,
                    defaultValue: nil,
                    model: model,
                    capability: "voices",
                    choices: choices,
                    lead: voices.first.map { "Pick a voice, e.g. \"\($0)\"." }
                )
            )
        } else {
            rules.string("voice", required: true, hint: "Send the voice's name as a string, e.g. \"alloy\".")
        }

        let maxCharacters = candidates.largestCapability("max_input_characters")
        let inputHint =
            maxCharacters.map { "Send the text to speak as a string (at most \($0) characters)." } ?? "Send the text to speak as a string."
        if let input = rules.string("input", required: true, hint: inputHint), let maxCharacters, input.count > maxCharacters {
            rules.fail(
                "input",
                "input must not exceed \(maxCharacters) characters",
                hint: "The input has \(input.count) characters; split it into requests of at most \(maxCharacters) and join the audio."
                    + (model.map { " (the limit of \($0.info.name))" } ?? "")
            )
        }

        if !checkResponseFormat(
            &rules,
            requested: body["response_format"]?.stringValue,
            defaultValue: Defaults.speechFormat,
            model: model,
            candidates: candidates,
            choices: choices
        ) {
            rules.string("response_format", hint: "Send the audio format as a string, e.g. \"\(Defaults.speechFormat)\".")
        }

        let speedRange = candidates.widestRange("speed")
        let speedHint =
            speedRange.map {
                "Use a speed between \(format($0.lowerBound)) (slowest) and \(format($0.upperBound)) (fastest); \(format(Defaults.speechSpeed)) is normal."
            } ?? "Send speed as a number (\(format(Defaults.speechSpeed)) is normal)."
        if let speed = rules.number("speed", hint: speedHint), let speedRange {
            if speed < speedRange.lowerBound {
                rules.fail("speed", "speed must be at least \(format(speedRange.lowerBound))", hint: speedHint)
            } else if speed > speedRange.upperBound {
                rules.fail("speed", "speed must not exceed \(format(speedRange.upperBound))", hint: speedHint)
            }
        }

        let instructionModels = choices.filter { $0.flag("instructions") != false }.map(\.name)
        let withInstructions =
            instructionModels.isEmpty
            ? "no speech model of the catalogue takes instructions" : "\(Wording.orList(instructionModels)) only"
        if rules.string("instructions", hint: "Send instructions as a string, e.g. \"Speak calmly.\" (\(withInstructions)).") != nil,
            let model, model.info.flag("instructions") == false
        {
            rules.fail(
                "instructions",
                "instructions are not supported with \(model.info.name)",
                hint: instructionModels.isEmpty
                    ? "No speech model of the catalogue takes instructions; drop instructions."
                    : "\(model.label) does not take instructions; send model \(Wording.orList(instructionModels)) with them, or drop instructions."
            )
        }
        return rules.problems
    }

    /// The upstream speech body: the client's body (unknown fields included) with the seed's defaults
    /// (`model`, `response_format`, `speed` are always sent).
    static func speechUpstreamBody(_ body: JSONObject) -> JSONObject {
        var upstream = body
        if upstream["model"] == nil || upstream["model"]?.isNull == true { upstream["model"] = .string(Defaults.speechModel) }
        if upstream["response_format"] == nil || upstream["response_format"]?.isNull == true {
            upstream["response_format"] = .string(Defaults.speechFormat)
        }
        if upstream["speed"] == nil || upstream["speed"]?.isNull == true { upstream["speed"] = .double(Defaults.speechSpeed) }
        if upstream["instructions"]?.isNull == true { upstream["instructions"] = nil }
        return upstream
    }

    /// The content type of speech audio in `format` (used when the upstream sends none).
    static func speechContentType(_ format: String) -> String {
        switch format {
        case "opus": "audio/ogg; codecs=opus"
        case "aac": "audio/aac"
        case "flac": "audio/flac"
        case "wav": "audio/wav"
        case "pcm": "audio/pcm"
        default: "audio/mpeg"
        }
    }

    // MARK: - Transcriptions and translations

    enum Operation: Sendable {
        case transcription, translation
    }

    /// Problems with the text fields of a transcription or translation form. `complete` is false while
    /// fields may still follow the file: a check that depends on the model then uses what any model of
    /// the operation accepts until the model is named (or, once complete, the default model applies).
    static func validateForm(
        _ fields: FormFields,
        operation: Operation,
        complete: Bool,
        catalogue: ModelCatalogue,
        now: Date = Date()
    ) -> [ValidationProblem] {
        let audio = AudioModels(catalogue: catalogue, date: now)
        let choices = audio.models(for: operation)
        var rules = FieldValidator(fields.jsonObject, acceptsStrings: true)
        let model = checkModel(
            &rules,
            choices: choices,
            audio: audio,
            purpose: AudioModels.Purpose(operation),
            defaultName: Defaults.transcriptionModel,
            defaultApplies: complete,
            hint: operation == .transcription
                ? modelHint(choices, defaultName: Defaults.transcriptionModel, note: nil)
                : modelHint(choices, defaultName: Defaults.transcriptionModel, lead: "Translations need", note: nil)
                    + " Leave model out for the default."
        )
        let candidates = model.map { [$0.info] } ?? choices

        checkResponseFormat(
            &rules,
            requested: fields["response_format"],
            defaultValue: Defaults.transcriptFormat,
            model: model,
            candidates: candidates,
            choices: choices
        )
        if let language = fields["language"], operation == .transcription {
            let isCode = language.count == 2 && language.unicodeScalars.allSatisfy { $0.isASCII && $0.properties.isAlphabetic }
            if !isCode {
                rules.fail(
                    "language",
                    "language must be a 2-character ISO-639-1 code (e.g., en, es)",
                    hint: "Send the audio's language as two letters (en, es, fr, de ...), or leave it out to detect it."
                )
            }
        }
        if let temperature = rules.number("temperature", hint: "Send temperature as a number between 0 and 1 (default 0), e.g. 0.2.") {
            if temperature < 0 {
                rules.fail("temperature", "temperature must be at least 0", hint: "Use a temperature between 0 and 1 (default 0).")
            } else if temperature > 1 {
                rules.fail("temperature", "temperature must not exceed 1", hint: "Use a temperature between 0 and 1 (default 0).")
            }
        }
        if operation == .transcription {
            checkTimestampGranularities(&rules, fields: fields, model: model, candidates: candidates, choices: choices)
            if let stream = rules.boolean("stream", hint: "Send stream as true or false."), stream, let model,
                model.info.flag("streaming") == false
            {
                // A model sent after the file is only known at the end; the default applies once the form is complete.
                let streaming = choices.filter { $0.flag("streaming") == true }.map(\.name)
                rules.fail(
                    "stream",
                    "stream is not supported with \(model.info.name)",
                    hint: streaming.isEmpty
                        ? "No transcription model of the catalogue streams; drop stream."
                        : "Streaming transcription needs \(Wording.orList(streaming)); send model accordingly or drop stream."
                )
            }
        }
        return rules.problems
    }

    /// `response_format` must be one the candidate models have. Returns false when they state no formats
    /// (then nothing is checked here).
    @discardableResult
    private static func checkResponseFormat(
        _ rules: inout FieldValidator,
        requested: String?,
        defaultValue: String,
        model: ModelChoice?,
        candidates: [ModelInfo],
        choices: [ModelInfo]
    ) -> Bool {
        guard let formats = candidates.capabilityUnion("response_formats") else { return false }
        rules.oneOf(
            "response_format",
            values: formats,
            message: "response_format must be one of: \(formats.joined(separator: ", "))",
            hint: choiceHint(
                noun: "response format",
                requested: requested,
                values: formats,
                defaultValue: defaultValue,
                model: model,
                capability: "response_formats",
                choices: choices
            )
        )
        return true
    }

    private static func checkTimestampGranularities(
        _ rules: inout FieldValidator,
        fields: FormFields,
        model: ModelChoice?,
        candidates: [ModelInfo],
        choices: [ModelInfo]
    ) {
        guard let granularities = candidates.capabilityUnion("timestamp_granularities") else { return }
        for name in ["timestamp_granularities[]", "timestamp_granularities"] {
            let values = fields.values(name)
            guard !values.isEmpty else { continue }
            if granularities.isEmpty {
                let withTimestamps = choices.filter { $0.stringList("timestamp_granularities")?.isEmpty == false }.map(\.name)
                rules.fail(
                    parameter: name,
                    "timestamp_granularities is not supported with \(model?.info.name ?? "these models")",
                    hint: withTimestamps.isEmpty
                        ? "No transcription model of the catalogue gives timestamps; drop \(name)."
                        : "Timestamps need \(Wording.orList(withTimestamps)) (with response_format verbose_json); send model accordingly or drop \(name)."
                )
                continue
            }
            for value in values where !granularities.contains(value) {
                rules.fail(
                    parameter: name,
                    "Each timestamp_granularity must be \(Wording.eitherList(granularities))",
                    hint: "Send the field once per value, e.g. "
                        + granularities.map { "-F \"timestamp_granularities[]=\($0)\"" }.joined(separator: " ")
                        + " (got \"\(value.prefix(40))\")."
                )
            }
        }
    }

    /// Problems with the uploaded file's name (format by extension, case-insensitive), against the
    /// `file_formats` of the model the fields name (of any model of the operation until one is named).
    static func validateFile(
        _ file: UploadedFile,
        fields: FormFields,
        operation: Operation,
        catalogue: ModelCatalogue,
        now: Date = Date()
    ) -> [ValidationProblem] {
        let audio = AudioModels(catalogue: catalogue, date: now)
        let choices = audio.models(for: operation)
        let model = namedModel(fields, audio: audio, choices: choices)
        let formats = (model.map { [$0] } ?? choices).capabilityUnion("file_formats")
        let supported = formats.map { $0.joined(separator: ", ") }
        guard let filename = file.filename, !filename.isEmpty else {
            return [
                ValidationProblem(
                    parameter: "file",
                    message: "file must have a filename with an audio extension",
                    hint: "Send the audio as a file part with its name, e.g. -F file=@speech.mp3"
                        + (supported.map { " (supported: \($0))." } ?? ".")
                )
            ]
        }
        if file.complete && file.bytes == 0 {
            return [
                ValidationProblem(
                    parameter: "file",
                    message: "file is empty (0 bytes)",
                    hint: "Send the audio's bytes: check the path after @ in -F file=@speech.mp3, or that the recording was saved."
                )
            ]
        }
        let ext = (filename as NSString).pathExtension.lowercased()
        guard let formats, let supported, !formats.contains(ext) else { return [] }
        let shown = ext.isEmpty ? "(none)" : ext
        var hint = "Supported formats\(model.map { " (\($0.name))" } ?? ""): \(supported)."
        if let model {
            let others = choices.filter { $0.name != model.name && $0.stringList("file_formats")?.contains(ext) == true }.map(\.name)
            if !others.isEmpty { hint += " \(Wording.orList(others)) \(others.count == 1 ? "accepts" : "accept") \(shown)." }
        }
        if !formats.contains("opus") {
            hint += " Note: OPUS files are not accepted directly; convert them to ogg or another supported format."
        }
        hint += " File: \(filename.prefix(200))"
        return [ValidationProblem(parameter: "file", message: "Audio format \"\(shown)\" is not supported.", hint: hint)]
    }

    /// The 413 for an audio file over `bytes` (the seed's message, its numbers from the limit).
    static func fileTooLarge(bytes: Int, model: String? = nil) -> GatewayError {
        let megabytes = megabytesText(bytes)
        return GatewayError(
            status: .contentTooLarge,
            message: "Audio file size exceeds maximum allowed size of \(megabytes) MB (\(grouped(bytes)) bytes).",
            errorCode: "audio_file_too_large",
            parameter: "file",
            hint: (model.map { "\($0) accepts at most \(megabytes) MB. " } ?? "")
                + "Compress the audio (e.g. a lower-bitrate mp3), or split it into parts of at most \(megabytes) MB and transcribe each."
        )
    }

    /// The size limit with these fields: the named model's `max_file_bytes`; until a model is named, the
    /// largest of the operation's models (a model named after the file lowers it).
    static func fileLimit(
        _ fields: FormFields,
        operation: Operation,
        catalogue: ModelCatalogue,
        now: Date = Date()
    ) -> (bytes: Int, error: GatewayError) {
        let audio = AudioModels(catalogue: catalogue, date: now)
        let choices = audio.models(for: operation)
        if let model = namedModel(fields, audio: audio, choices: choices) {
            let bytes = model.integer("max_file_bytes") ?? Defaults.maxAudioFileBytes
            return (bytes, fileTooLarge(bytes: bytes, model: model.name))
        }
        let bytes = absoluteFileLimit(choices)
        return (bytes, fileTooLarge(bytes: bytes))
    }

    /// The largest `max_file_bytes` of `models` (the default limit when none states one).
    static func absoluteFileLimit(_ models: [ModelInfo]) -> Int {
        models.compactMap { $0.integer("max_file_bytes") }.filter { $0 > 0 }.max() ?? Defaults.maxAudioFileBytes
    }

    /// The upload policy of a transcription or translation.
    static func uploadPolicy(_ operation: Operation, catalogue: ModelCatalogue, now: Date = Date()) -> MultipartUploadPolicy {
        MultipartUploadPolicy(
            absoluteFileLimit: absoluteFileLimit(AudioModels(catalogue: catalogue, date: now).models(for: operation)),
            validateFields: { fields, complete in
                validateForm(fields, operation: operation, complete: complete, catalogue: catalogue, now: now)
            },
            validateFile: { file, fields, _ in validateFile(file, fields: fields, operation: operation, catalogue: catalogue, now: now) },
            fileLimit: { fields in fileLimit(fields, operation: operation, catalogue: catalogue, now: now) },
            upstreamField: { name, value, _ in
                // The seed's clients send `timestamp_granularities` without brackets; OpenAI reads the bracketed name.
                name == "timestamp_granularities" ? ("timestamp_granularities[]", value) : (name, value)
            },
            defaultFields: { defaultFields($0) }
        )
    }

    /// The response format a form asks for (the default is json).
    static func responseFormat(_ fields: FormFields) -> String { fields["response_format"] ?? Defaults.transcriptFormat }

    /// The content type the gateway answers a transcription or translation with.
    ///
    /// `srt` is sent as `text/plain` (SubRip has no registered media type, OpenAI itself answers text/plain,
    /// and browsers and clients display it instead of downloading it); `vtt` has its own, `text/vtt`.
    static func transcriptContentType(_ format: String) -> String {
        switch format {
        case "text", "srt": "text/plain; charset=utf-8"
        case "vtt": "text/vtt; charset=utf-8"
        default: "application/json; charset=utf-8"
        }
    }

    /// Whether a transcript in `format` is JSON (`json`, `verbose_json`, `diarized_json`, ...).
    static func isJSONFormat(_ format: String) -> Bool { format == "json" || format.hasSuffix("_json") }
}

extension AudioRules {
    /// Fields the upstream needs that the client may leave out: OpenAI requires `model`, and the seed's
    /// default is whisper-1. `response_format` and `temperature` are left to OpenAI's own defaults (json, 0),
    /// which are the seed's. For ``MultipartUploadPolicy`` to append at the end of the upstream body.
    static func defaultFields(_ fields: FormFields) -> [(name: String, value: String)] {
        fields["model"] == nil ? [("model", Defaults.transcriptionModel)] : []
    }
}

// MARK: - Models and capabilities

extension AudioRules {
    /// The model a request's other fields are checked against.
    struct ModelChoice {
        var info: ModelInfo
        /// Whether the request left the model out and the default applies.
        var isDefault: Bool
        /// `tts-1`, or `tts-1 (the default model)`.
        var label: String { isDefault ? "\(info.name) (the default model)" : info.name }
    }

    /// Checks `model` (the seed's message, its list from `choices`): a retired model gets its retirement
    /// date and replacement. Returns the model to check the other fields against: the named one when it is a
    /// choice; the default when the request has none and `defaultApplies`; nil otherwise (not yet known, or
    /// invalid). A catalogue without any model for the purpose refuses only retired ones (it lists nothing
    /// to choose from, so the upstream decides).
    private static func checkModel(
        _ rules: inout FieldValidator,
        choices: [ModelInfo],
        audio: AudioModels,
        purpose: AudioModels.Purpose,
        defaultName: String,
        defaultApplies: Bool,
        hint: String
    ) -> ModelChoice? {
        let message = "model must be \(Wording.orList(choices.map(\.name), serialComma: true))"
        guard let value = rules.object["model"], !value.isNull else {
            guard defaultApplies, let info = audio.catalogue.model(defaultName), purpose.matches(info) else { return nil }
            if info.isRetired(on: audio.date) {
                rules.fail(
                    "model",
                    "model is required: the default model \(ModelRetirement.text(info))",
                    hint: ModelRetirement.replacementHint(info, available: choices.map(\.name))
                )
                return nil
            }
            return ModelChoice(info: info, isDefault: true)
        }
        guard let name = value.stringValue else {
            rules.fail("model", choices.isEmpty ? "model must be a string" : message, hint: hint)
            return nil
        }
        guard let info = audio.catalogue.model(name), purpose.matches(info) else {
            if !choices.isEmpty { rules.fail("model", message, hint: hint + " You sent \"\(name.prefix(60))\".") }
            return nil
        }
        if info.isRetired(on: audio.date) {
            rules.fail(
                "model",
                "model \(ModelRetirement.text(info, requested: name))",
                hint: ModelRetirement.replacementHint(info, available: choices.map(\.name))
            )
            return nil
        }
        return ModelChoice(info: info, isDefault: false)
    }

    /// The model the fields name, when it is one of `choices` (no problems recorded: `validateForm` reports them).
    private static func namedModel(_ fields: FormFields, audio: AudioModels, choices: [ModelInfo]) -> ModelInfo? {
        guard let name = fields["model"], let info = audio.catalogue.model(name) else { return nil }
        return choices.first { $0.name == info.name }
    }

    /// `Use tts-1 (default), tts-1-hd or gpt-4o-mini-tts.` with an optional note.
    private static func modelHint(_ choices: [ModelInfo], defaultName: String, lead: String = "Use", note: String?) -> String {
        guard !choices.isEmpty else { return "Send the model's name as a string." }
        let listed = choices.map { $0.name == defaultName ? "\($0.name) (default)" : $0.name }
        return "\(lead) \(Wording.orList(listed))" + (note.map { " (\($0))" } ?? "") + "."
    }

    private static func speechModelNote(_ choices: [ModelInfo]) -> String? {
        let withInstructions = choices.filter { $0.flag("instructions") == true }.map(\.name)
        guard !withInstructions.isEmpty, withInstructions.count < choices.count else { return nil }
        return "\(Wording.orList(withInstructions)) also \(withInstructions.count == 1 ? "takes" : "take") instructions"
    }

    /// A hint for a value that must be one of `values` (the choices of `model`, or of every model when it is
    /// nil): when the request's model lacks the value, the models that have it; then the choices, each
    /// annotated with the models that have it when not every model does.
    private static func choiceHint(
        noun: String,
        requested: String?,
        values: [String],
        defaultValue: String?,
        model: ModelChoice?,
        capability: String,
        choices: [ModelInfo],
        lead: String? = nil
    ) -> String {
        var parts: [String] = []
        if let requested, let model, !values.contains(requested) {
            let others = choices.filter { $0.name != model.info.name && $0.stringList(capability)?.contains(requested) == true }.map(\.name)
            if !others.isEmpty {
                parts.append(
                    "\(model.label) has no \(noun) \"\(requested.prefix(40))\"; \(Wording.orList(others)) \(others.count == 1 ? "has" : "have") it "
                        + "(send model accordingly)."
                )
            }
        }
        if let lead { parts.append(lead) }
        let stating = choices.filter { $0.stringList(capability) != nil }
        let listed = values.map { value -> String in
            var text = value == defaultValue ? "\(value) (default)" : value
            if model == nil {
                let having = stating.filter { $0.stringList(capability)?.contains(value) == true }.map(\.name)
                if having.count < stating.count, !having.isEmpty { text += " (\(having.joined(separator: ", ")))" }
            }
            return text
        }
        let owner = model.map { " of \($0.label)" } ?? ""
        parts.append("\(noun.prefix(1).uppercased() + noun.dropFirst())s\(owner): \(listed.joined(separator: ", ")).")
        return parts.joined(separator: " ")
    }

    // MARK: - Wording

    /// `0.25`, `4.0`, `1.0` (the seed's speed messages).
    static func format(_ number: Double) -> String { String(number) }

    /// `25`, `19.5` megabytes (MiB).
    static func megabytesText(_ bytes: Int) -> String {
        let megabytes = Double(bytes) / 1_048_576
        return megabytes.rounded() == megabytes ? String(Int(megabytes)) : String(format: "%.1f", megabytes)
    }

    /// `26,214,400`.
    static func grouped(_ number: Int) -> String {
        let digits = Array(String(number.magnitude))
        var text = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { text.append(",") }
            text.append(digit)
        }
        return number < 0 ? "-" + text : text
    }
}
