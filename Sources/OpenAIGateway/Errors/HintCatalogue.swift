/// What the gateway tells a client about one OpenAI error code: the status it answers with, a
/// short message, and a hint saying what to do.
public struct ErrorHint: Sendable, Hashable {
    /// The HTTP status the gateway answers with.
    public var status: Int
    public var message: String
    public var hint: String

    public init(_ status: Int, _ message: String, _ hint: String) {
        self.status = status
        self.message = message
        self.hint = hint
    }
}

/// OpenAI error codes mapped to a status, a message and an actionable hint (seed-behavior §4.4,
/// plus the codes OpenAI sends most often). Data only: `GatewayError(upstream:)` decides which
/// table applies; the Files, Vector Stores, Images, Audio and code-interpreter tables are here for
/// the controllers of those APIs.
public enum HintCatalogue {
    /// Image codes; applied to upstream 400s (seed §4.4, 15 codes).
    public static let imageCodes: [String: ErrorHint] = [
        "vector_store_timeout": ErrorHint(
            504,
            "File search operation timed out",
            "The vector store search took too long. Try a narrower query, fewer vector stores, or retry later."
        ),
        "invalid_image": ErrorHint(400, "Invalid image provided", "The image could not be used. Send a valid PNG, JPEG, WebP or non-animated GIF."),
        "invalid_image_format": ErrorHint(
            400,
            "Unsupported image format",
            "Only PNG, JPEG, or WebP formats are supported. Convert the image and try again."
        ),
        "invalid_base64_image": ErrorHint(
            400,
            "Malformed base64-encoded image",
            "Check the base64 data: no line breaks, correct padding, and a data URL prefix such as data:image/png;base64,."
        ),
        "invalid_image_url": ErrorHint(400, "Invalid image URL", "Use a publicly reachable http(s) URL or a base64 data URL."),
        "image_parse_error": ErrorHint(400, "Unable to parse image file", "The file may be corrupt or not an image. Re-export it as PNG or JPEG."),
        "invalid_image_mode": ErrorHint(400, "Unsupported image mode", "Convert the image to RGB or RGBA (edits with a mask need RGBA)."),
        "unsupported_image_media_type": ErrorHint(
            400,
            "Unsupported image MIME type",
            "Send image/png, image/jpeg or image/webp and set the matching Content-Type."
        ),
        "image_too_large": ErrorHint(400, "Image exceeds maximum size limit", "Maximum image size is 20MB. Resize or compress the image."),
        "image_too_small": ErrorHint(400, "Image is below minimum size requirements", "Use a larger image (check the model's minimum dimensions)."),
        "image_file_too_large": ErrorHint(400, "Image file size exceeds limit", "Compress the image or lower its resolution before uploading."),
        "empty_image_file": ErrorHint(400, "Empty image file provided", "The image file has 0 bytes. Check the upload."),
        "image_content_policy_violation": ErrorHint(
            400,
            "Image violates content policy",
            "The image violates OpenAI usage policies. Use a different image."
        ),
        "failed_to_download_image": ErrorHint(
            502,
            "Failed to download image from URL",
            "OpenAI could not fetch the image URL. Make sure it is public and fast, or send the image as base64."
        ),
        "image_file_not_found": ErrorHint(
            404,
            "Image file not found at URL",
            "The image URL returned 404. Check that the URL is correct and publicly accessible."
        ),
    ]

    /// Video codes; applied to upstream 400s (seed §4.4, 18 codes).
    public static let videoCodes: [String: ErrorHint] = [
        "video_generation_failed": ErrorHint(500, "Video generation failed", "Retry the request; if it keeps failing, simplify the prompt."),
        "invalid_video_prompt": ErrorHint(400, "Video prompt violates content policy", "Rephrase the prompt to follow OpenAI usage policies."),
        "video_generation_timeout": ErrorHint(
            504,
            "Video generation timed out",
            "Poll the video later with GET /api/videos/{id}, or try a shorter duration."
        ),
        "video_model_not_available": ErrorHint(
            404,
            "Video model not found or unavailable",
            "Use sora-2 or sora-2-pro, and check that your upstream still serves them."
        ),
        "video_quota_exceeded": ErrorHint(
            429,
            "Video generation quota exceeded",
            "Wait for your quota to reset or raise it in the OpenAI dashboard."
        ),
        "video_file_not_found": ErrorHint(404, "Video file not found", "Check the video id; the video may have been deleted."),
        "video_download_failed": ErrorHint(502, "Failed to download video file", "Retry the download; check that the video is completed first."),
        "video_processing_failed": ErrorHint(400, "Video processing failed", "Check the request parameters and retry."),
        "invalid_video_parameters": ErrorHint(
            400,
            "Invalid video generation parameters",
            "Send a prompt (1-500 characters), model sora-2 or sora-2-pro, seconds \"4\", \"8\" or \"12\", and size 720x1280, 1280x720, 1024x1792 or 1792x1024."
        ),
        "remix_not_supported": ErrorHint(400, "Remix not available for this video", "Only completed videos can be remixed."),
        "invalid_remix_parameters": ErrorHint(400, "Invalid remix configuration", "Send a non-empty prompt describing the change."),
        "remix_failed": ErrorHint(500, "Remix operation failed", "Retry the remix; if it keeps failing, change the prompt."),
        "video_limit_exceeded": ErrorHint(
            429,
            "Concurrent video generation limit exceeded",
            "Wait for running generations to finish before starting more."
        ),
        "remix_limit_exceeded": ErrorHint(429, "Remix operation limit exceeded", "Wait before remixing again."),
        "invalid_video_duration": ErrorHint(400, "Invalid video duration", "seconds must be \"4\", \"8\" or \"12\" (as strings, not numbers)."),
        "invalid_video_size": ErrorHint(400, "Invalid video size", "Use 720x1280, 1280x720, 1024x1792 or 1792x1024."),
        "video_content_policy_violation": ErrorHint(
            400,
            "Video violates content policy",
            "Change the prompt or reference so it follows OpenAI usage policies."
        ),
        "video_expired": ErrorHint(410, "Video file has expired", "Generated videos are kept for a limited time; generate it again."),
    ]

    /// Codes OpenAI sends on any endpoint. Their `status` is what OpenAI usually sends with them;
    /// the gateway keeps the upstream status and uses the message and hint.
    public static let openAICodes: [String: ErrorHint] = [
        "invalid_api_key": ErrorHint(
            401,
            "Invalid OpenAI API key",
            "Check OPENAI_API_KEY: it must be a current key for the configured upstream (OPENAI_BASE_URL)."
        ),
        "insufficient_quota": ErrorHint(
            429,
            "OpenAI quota exceeded",
            "Your OpenAI account has run out of credit or hit its spending limit. Add credit or raise the limit in the billing settings; retrying will not help."
        ),
        "model_not_found": ErrorHint(
            404,
            "Model not found",
            "Check the model id and that your API key has access to it (GET /v1/models lists what you can use)."
        ),
        "context_length_exceeded": ErrorHint(
            400,
            "Input exceeds the model's context window",
            "Shorten the input or instructions, lower max_output_tokens, set truncation to \"auto\", or use a model with a larger context window."
        ),
        "rate_limit_exceeded": ErrorHint(
            429,
            "Rate limit exceeded",
            "Please wait before making another request. Check rate_limit_info for detailed limits."
        ),
        "server_error": ErrorHint(500, "OpenAI API server error", "This is an issue with OpenAI servers. Retry with exponential backoff."),
        "unsupported_parameter": ErrorHint(
            400,
            "Parameter not supported by this model",
            "Remove the parameter named in `parameter`, or use a model that supports it (reasoning models reject temperature and top_p)."
        ),
        "unsupported_value": ErrorHint(
            400,
            "Value not supported by this model",
            "Change the value of the parameter named in `parameter`; see openai_error.message for what is allowed."
        ),
        "invalid_value": ErrorHint(400, "Invalid parameter value", "Fix the value of the parameter named in `parameter`; see openai_error.message."),
        "invalid_type": ErrorHint(400, "Parameter has the wrong type", "Send the parameter named in `parameter` with the type the API expects."),
        "missing_required_parameter": ErrorHint(400, "Missing required parameter", "Add the parameter named in `parameter`."),
        "unknown_parameter": ErrorHint(400, "Unknown parameter", "Remove the parameter named in `parameter`, or check its spelling."),
        "string_above_max_length": ErrorHint(400, "String is too long", "Shorten the value of the parameter named in `parameter`."),
        "array_above_max_length": ErrorHint(400, "Array has too many elements", "Send fewer elements in the parameter named in `parameter`."),
        "empty_array": ErrorHint(400, "Array must not be empty", "Give the parameter named in `parameter` at least one element, or leave it out."),
        "integer_below_min_value": ErrorHint(400, "Value is below the minimum", "Raise the value of the parameter named in `parameter`."),
        "integer_above_max_value": ErrorHint(400, "Value is above the maximum", "Lower the value of the parameter named in `parameter`."),
        "decimal_below_min_value": ErrorHint(400, "Value is below the minimum", "Raise the value of the parameter named in `parameter`."),
        "decimal_above_max_value": ErrorHint(400, "Value is above the maximum", "Lower the value of the parameter named in `parameter`."),
        "previous_response_not_found": ErrorHint(
            400,
            "Previous response not found",
            "Check previous_response_id; responses created with store: false cannot be continued."
        ),
        "invalid_prompt": ErrorHint(400, "Prompt rejected", "The input was flagged or is malformed; see openai_error.message."),
        "content_policy_violation": ErrorHint(400, "Request violates content policy", "Rephrase the request so it follows OpenAI usage policies."),
        "billing_hard_limit_reached": ErrorHint(400, "Billing hard limit reached", "Raise the spending limit in the OpenAI billing settings."),
        "billing_not_active": ErrorHint(429, "Billing is not active", "Set up a payment method in the OpenAI billing settings."),
        "model_not_available": ErrorHint(404, "Model not available", "The model is retired or not enabled for this key; pick another model."),
    ]

    /// Files API codes (for the Files controller).
    public static let fileCodes: [String: ErrorHint] = [
        "file_too_large": ErrorHint(
            413,
            "File exceeds the size limit",
            "Files are limited to 512 MB (less for some purposes); split or compress the file."
        ),
        "file_upload_failed": ErrorHint(500, "File upload failed", "Retry the upload."),
        "invalid_file_format": ErrorHint(400, "Invalid file format", "Check that the file type is supported for this purpose."),
        "unsupported_file": ErrorHint(400, "Unsupported file type", "Use a supported file type (see the OpenAI file-search and vision docs)."),
        "content_size_limit": ErrorHint(400, "File content is too large", "Reduce the number of tokens in the file or split it."),
        "processing_failed": ErrorHint(400, "File processing failed", "Check that the file is not corrupt, then upload it again."),
        "file_parsing_error": ErrorHint(400, "File could not be parsed", "Check the file's encoding and structure (JSONL for batch and fine-tune)."),
        "invalid_file_content": ErrorHint(400, "Invalid file content", "Check the file's contents against the format the purpose requires."),
        "invalid_purpose": ErrorHint(400, "Invalid file purpose", "Use assistants, vision, batch, fine-tune, user_data or evals."),
        "purpose_mismatch": ErrorHint(400, "File purpose does not match its use", "Upload the file again with the purpose this endpoint needs."),
        "file_not_found": ErrorHint(404, "File not found", "Check the file id (file-...); the file may have been deleted."),
        "download_forbidden": ErrorHint(403, "File download not allowed", "Files with purpose assistants or user_data cannot be downloaded."),
        "file_deleted": ErrorHint(410, "File has been deleted", "Upload the file again."),
    ]

    /// Vector Stores API codes (for the Vector Stores controller).
    public static let vectorStoreCodes: [String: ErrorHint] = [
        "vector_store_not_found": ErrorHint(404, "Vector store not found", "Check the vector store id (vs_...)."),
        "vector_store_expired": ErrorHint(410, "Vector store has expired", "Create a new vector store, or set expires_after to keep stores longer."),
        "vector_store_limit_exceeded": ErrorHint(429, "Vector store limit exceeded", "Delete unused vector stores or wait before creating more."),
        "vector_store_creation_failed": ErrorHint(500, "Vector store creation failed", "Retry the request."),
        "vector_store_deletion_failed": ErrorHint(500, "Vector store deletion failed", "Retry the request."),
        "file_already_attached": ErrorHint(409, "File already attached to the vector store", "The file is already in this store; nothing to do."),
        "file_not_in_vector_store": ErrorHint(404, "File is not in the vector store", "Check the file id and vector store id."),
        "file_indexing_failed": ErrorHint(400, "File indexing failed", "Check that the file type is supported for file search."),
        "file_indexing_timeout": ErrorHint(504, "File indexing timed out", "Poll the file status later."),
        "invalid_chunking_strategy": ErrorHint(
            400,
            "Invalid chunking strategy",
            "Use {\"type\": \"auto\"} or {\"type\": \"static\", \"static\": {\"max_chunk_size_tokens\": 800, \"chunk_overlap_tokens\": 400}}."
        ),
        "chunk_size_invalid": ErrorHint(400, "Invalid chunk size", "max_chunk_size_tokens must be an integer between 100 and 4096."),
        "chunk_overlap_invalid": ErrorHint(400, "Invalid chunk overlap", "chunk_overlap_tokens must be at most half of max_chunk_size_tokens."),
        "batch_not_found": ErrorHint(404, "File batch not found", "Check the batch id (vsfb_...)."),
        "batch_too_large": ErrorHint(400, "File batch is too large", "Send at most 500 files per batch."),
        "batch_processing_failed": ErrorHint(400, "File batch processing failed", "Check the files in the batch and retry."),
        "batch_cancelled": ErrorHint(409, "File batch was cancelled", "Create a new batch."),
        "search_failed": ErrorHint(500, "Vector store search failed", "Retry the search."),
        "invalid_search_query": ErrorHint(400, "Invalid search query", "Send query as a non-empty string or array of strings."),
        "invalid_search_filter": ErrorHint(
            400,
            "Invalid search filter",
            "Use a comparison filter {key, type: eq|ne|gt|gte|lt|lte, value} or a compound filter {type: and|or, filters: [...]}."
        ),
        "ranking_failed": ErrorHint(500, "Ranking failed", "Retry the search, or remove ranking_options."),
        "metadata_too_large": ErrorHint(400, "Too many metadata pairs", "Metadata allows at most 16 key-value pairs."),
        "metadata_key_too_long": ErrorHint(400, "Metadata key too long", "Metadata keys are at most 64 characters."),
        "metadata_value_too_long": ErrorHint(400, "Metadata value too long", "Metadata values are strings of at most 512 characters."),
    ]

    /// Images API codes (for the Images controller).
    public static let imagesAPICodes: [String: ErrorHint] = [
        "invalid_image_prompt": ErrorHint(
            400,
            "Invalid image prompt",
            "Rephrase the prompt; it may be empty, too long or against the usage policies."
        ),
        "image_generation_failed": ErrorHint(500, "Image generation failed", "Retry the request."),
        "model_not_available": ErrorHint(404, "Image model not available", "Use gpt-image-1 (dall-e-2 and dall-e-3 are retired on api.openai.com)."),
        "quota_exceeded": ErrorHint(429, "Image quota exceeded", "Wait for your quota to reset or raise it in the OpenAI dashboard."),
        "invalid_image_dimensions": ErrorHint(400, "Invalid image dimensions", "Edits and variations need a square PNG for dall-e-2."),
        "mask_dimensions_mismatch": ErrorHint(400, "Mask dimensions do not match the image", "Make the mask exactly the same size as the image."),
        "mask_not_provided": ErrorHint(400, "Mask not provided", "Send a mask, or an image with a transparent area to edit."),
        "operation_not_supported": ErrorHint(
            400,
            "Operation not supported for this model",
            "Variations need dall-e-2; edits need dall-e-2 or gpt-image-1."
        ),
        "invalid_image_file": ErrorHint(400, "Invalid image file", "Send a PNG, JPEG or WebP file under 4 MB (dall-e-2) or 50 MB (gpt-image-1)."),
        "invalid_image_size": ErrorHint(400, "Invalid image size", "Pick a size the model supports (e.g. 1024x1024)."),
        "invalid_quality_setting": ErrorHint(
            400,
            "Invalid quality setting",
            "Use standard or hd for dall-e-3, low/medium/high/auto for gpt-image-1."
        ),
        "size_quality_incompatible": ErrorHint(400, "Size and quality are incompatible", "Choose a size and quality pair the model supports."),
    ]

    /// Audio API codes (for the Audio controller).
    public static let audioCodes: [String: ErrorHint] = [
        "invalid_tts_input_length": ErrorHint(400, "Speech input is too long", "Speech input is at most 4096 characters; split the text."),
        "invalid_voice_option": ErrorHint(
            400,
            "Invalid voice",
            "Use alloy, ash, ballad, coral, echo, fable, nova, onyx, sage, shimmer, verse, marin or cedar."
        ),
        "invalid_speed_value": ErrorHint(400, "Invalid speed", "speed must be between 0.25 and 4.0."),
        "unsupported_audio_format": ErrorHint(400, "Unsupported audio format", "Upload flac, mp3, mp4, mpeg, mpga, m4a, ogg, wav or webm."),
        "invalid_language_code": ErrorHint(400, "Invalid language code", "Use a 2-letter ISO-639-1 code such as en or es."),
        "translation_model_unsupported": ErrorHint(400, "Model does not support translation", "Use whisper-1 for translations."),
        "audio_file_too_large": ErrorHint(413, "Audio file too large", "Audio files are limited to 25 MB; compress or split the file."),
        "transcription_failed": ErrorHint(500, "Transcription failed", "Retry the request."),
        "translation_failed": ErrorHint(500, "Translation failed", "Retry the request."),
        "audio_processing_error": ErrorHint(500, "Audio processing failed", "Check that the file is valid audio, then retry."),
    ]

    /// Code-interpreter codes (for the code-interpreter route).
    public static let codeInterpreterCodes: [String: ErrorHint] = [
        "code_syntax_error": ErrorHint(400, "Code has a syntax error", "Fix the syntax error reported in the output."),
        "code_runtime_error": ErrorHint(400, "Code failed at run time", "Read the traceback in the output and fix the code or its input files."),
        "code_timeout_error": ErrorHint(504, "Code execution timed out", "Make the computation smaller or split it into steps."),
        "code_resource_limit_error": ErrorHint(
            507,
            "Code exceeded its resource limits",
            "Use less memory or a larger memory_limit (1g, 4g, 16g, 64g)."
        ),
        "code_security_violation": ErrorHint(
            403,
            "Code attempted a forbidden operation",
            "Containers have no network access; remove network or system calls."
        ),
        "container_creation_failed": ErrorHint(500, "Container creation failed", "Retry the request."),
        "container_not_found": ErrorHint(404, "Container not found", "Check the container id, or use {\"type\": \"auto\"} to create a new one."),
        "container_expired": ErrorHint(
            410,
            "Container has expired",
            "Containers expire after 20 minutes idle; use {\"type\": \"auto\"} to create a new one."
        ),
        "file_not_accessible": ErrorHint(404, "File not accessible in the container", "Attach the file through container.file_ids."),
        "output_too_large": ErrorHint(413, "Code output too large", "Print less, or write results to a file."),
        "code_execution_failed": ErrorHint(500, "Code execution failed", "Retry the request."),
    ]

    /// Errors the gateway raises itself, by its `error_code`: the status it answers with, the message
    /// (a handler may give a more specific one) and the hint. ``GatewayError/init(code:message:parameter:)``
    /// reads it, so this table is the one place that text lives.
    public static let gatewayCodes: [String: ErrorHint] = [
        "route_not_found": ErrorHint(404, "Route not found", "See GET /openapi.json or /api-docs for the routes this gateway serves."),
        "method_not_allowed": ErrorHint(405, "Method not allowed", "See GET /openapi.json for the methods each route accepts."),
        "payload_too_large": ErrorHint(413, "Request body is larger than the limit", "Send a smaller body, or raise MAX_BODY_SIZE on the gateway."),
        "invalid_json": ErrorHint(
            400,
            "Malformed JSON in request body",
            "Send a JSON object with Content-Type: application/json; check quotes, commas and brackets."
        ),
        "request_cancelled": ErrorHint(499, "The request was cancelled", "The client closed the connection before the answer was ready."),
        "internal_error": ErrorHint(500, "An unexpected error occurred", "This is a bug in the gateway. Report it with the request id."),
        "download_forbidden": ErrorHint(
            403,
            "Files with purpose \"assistants\" cannot be downloaded",
            "OpenAI keeps assistants files for file search and code interpreter only. Keep your own copy, or upload the file "
                + "with purpose \"user_data\" if you need to read it back."
        ),
        "video_not_ready": ErrorHint(
            409,
            "The video is not ready to download",
            "Wait until it is completed with GET /api/videos/{id}/poll, then download it."
        ),
        "server_shutting_down": ErrorHint(503, "The gateway is shutting down", "Retry against another instance, or once the gateway is back."),
        "client_write_timeout": ErrorHint(
            408,
            "The client read nothing of the response for the client write timeout; the gateway closed the connection",
            "Read the response as it arrives (or raise CLIENT_WRITE_TIMEOUT_MS); download again, resuming if the client can."
        ),
        "poll_timeout": ErrorHint(
            504,
            "The object did not reach a final state in time",
            "Poll again (the work goes on upstream), or give a longer wait (at most 3600000 ms)."
        ),
        "model_retired": ErrorHint(
            400,
            "The model is retired",
            "Pick a current model: GET /v1/models lists what the upstream serves, /openapi.json the models each route accepts."
        ),
        "timeout_error": ErrorHint(
            504,
            "Request to OpenAI API timed out",
            "The request exceeded the timeout limit. Try again or increase OPENAI_TIMEOUT."
        ),
        "ECONNREFUSED": ErrorHint(
            503,
            "Cannot connect to OpenAI API",
            "Connection refused. Verify your network connection and that OpenAI services (OPENAI_BASE_URL) are accessible."
        ),
        "ECONNRESET": ErrorHint(
            504,
            "Connection to OpenAI API was reset",
            "The connection was interrupted. This is usually temporary; retry with exponential backoff."
        ),
        "ENOTFOUND": ErrorHint(
            503,
            "Cannot resolve OpenAI API hostname",
            "DNS resolution failed. Check your network connection, DNS settings and OPENAI_BASE_URL."
        ),
        "EHOSTUNREACH": ErrorHint(
            503,
            "OpenAI API host unreachable",
            "Cannot reach the OpenAI API. Check your network connection and firewall settings."
        ),
        "bad_upstream_response": ErrorHint(
            502,
            "Invalid response from OpenAI API",
            "The upstream answered with something that is not a valid OpenAI response. Check OPENAI_BASE_URL points at an OpenAI-compatible API."
        ),
        "upstream_response_too_large": ErrorHint(
            502,
            "Response from OpenAI API is too large",
            "The upstream response exceeded the gateway's size limit. Ask for less (e.g. fewer items per page)."
        ),
        "network_error": ErrorHint(503, "Network error communicating with OpenAI", "Check your network connection and try again."),
        "stream_incomplete": ErrorHint(
            502,
            "The upstream stream ended before the response completed",
            "Send the request again; a Responses stream can be resumed with GET /v1/responses/{id}?stream=true&starting_after=N."
        ),
        "invalid_body": ErrorHint(
            400,
            "The request body could not be read",
            "Send a complete body whose length matches its Content-Length (or valid chunked encoding)."
        ),
        "unsupported_media_type": ErrorHint(
            415,
            "The request body's Content-Type is not accepted here",
            "Send JSON with Content-Type: application/json (uploads: multipart/form-data), e.g. curl -H 'Content-Type: application/json'."
        ),
        "origin_not_allowed": ErrorHint(
            403,
            "Requests from this web origin are not allowed",
            "The gateway spends its API key for whoever calls it; to let a web page call it, set CORS_ALLOWED_ORIGIN to that page's origin."
        ),
        "host_not_allowed": ErrorHint(
            403,
            "The Host header names a host this gateway does not serve",
            "Call the gateway by the address it listens on, or add the name to ALLOWED_HOSTS (comma-separated; * allows any)."
        ),
        "access_key_required": ErrorHint(
            401,
            "This gateway needs an access key",
            "Send your gateway key as Authorization: Bearer gk_… (or X-Api-Key: gk_…); the operator creates keys with `openai-gateway keys create`."
        ),
        "invalid_access_key": ErrorHint(
            401,
            "The access key is not valid",
            "Check the key you send; a key can be revoked, rotated or expire. Ask the gateway's operator for a valid one."
        ),
        "key_store_unavailable": ErrorHint(
            503,
            "The gateway cannot check access keys right now (its database does not answer)",
            "Retry in a few seconds; the operator should check DATABASE_URL / DATA_DIR."
        ),
        "quota_store_unavailable": ErrorHint(
            503,
            "The gateway cannot check this key's limits right now (its database does not answer)",
            "Retry in a few seconds; the operator should check DATABASE_URL."
        ),
        "route_not_allowed": ErrorHint(
            403,
            "This access key may not call this route",
            "Use a route the key allows, or ask the operator to add it to the key's routes."
        ),
        "model_not_allowed": ErrorHint(
            403,
            "This access key may not use this model",
            "Use a model the key allows, or ask the operator to add it to the key's models."
        ),
        "key_rate_limit_exceeded": ErrorHint(
            429,
            "This access key is over its rate limit at the gateway",
            "Wait for retry-after seconds; the x-ratelimit-* headers show the key's limit (this is the gateway's limit, not OpenAI's)."
        ),
        "key_not_found": ErrorHint(
            404,
            "No such access key",
            "List the keys with GET /admin/keys (or `openai-gateway keys list`); revoked keys cannot be rotated."
        ),
        "upstream_busy": ErrorHint(
            503,
            "Every upstream connection of the gateway is busy",
            "Retry in a second (Retry-After); the operator can raise UPSTREAM_MAX_CONNECTIONS or UPSTREAM_SLOT_WAIT_MS. Streams and uploads have their own connections and are not affected."
        ),
        "gateway_out_of_descriptors": ErrorHint(
            503,
            "The gateway has no file descriptor left for the upstream connection",
            "Retry in a second (Retry-After); the operator can raise the gateway's `ulimit -n` (RLIMIT_NOFILE) or lower MAX_CONNECTIONS."
        ),
        "admin_disabled": ErrorHint(
            403,
            "The admin routes are off: no admin key is configured",
            "Set GATEWAY_ADMIN_KEY (at least 16 characters) and send it as Authorization: Bearer <admin key>."
        ),
        "admin_key_required": ErrorHint(
            401,
            "This route needs the gateway's admin key",
            "Send GATEWAY_ADMIN_KEY as Authorization: Bearer <admin key> (or X-Api-Key; a browser may use the login prompt)."
        ),
        "invalid_path": ErrorHint(
            400,
            "The path has a '.' or '..' segment or an encoded slash",
            "Send the API path as OpenAI documents it: no dot segments, no %2F or %5C inside a segment."
        ),
    ]

    /// The entry for `code` in any table, the general OpenAI codes first.
    public static func entry(for code: String) -> ErrorHint? {
        for table in [openAICodes, imageCodes, videoCodes, fileCodes, vectorStoreCodes, imagesAPICodes, audioCodes, codeInterpreterCodes] {
            if let entry = table[code] { return entry }
        }
        return nil
    }
}
