"""Messages of scoring: self-assessment, evidence, appraisal, disputes, survey import, results."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # the groups ranked separately (agency `group` in a campaign folder)
    "group.department": ("Sở, ban, ngành", "Departments"),
    "group.urban_district": ("UBND quận", "Urban districts"),
    "group.rural_district": ("UBND huyện", "Rural districts"),
    "group.ward": ("UBND phường", "Wards"),
    "group.commune": ("UBND xã, đặc khu", "Communes and special zones"),
    # reading a score
    "scoring.score_not_a_number": (
        "Tiêu chí {criterion}: '{value}' không phải là số; điểm phải từ 0 đến {max}.",
        "Criterion {criterion}: '{value}' is not a number; the score must be between 0 and {max}.",
    ),
    "scoring.score_too_many_places": (
        "Tiêu chí {criterion}: điểm '{value}' có quá 2 chữ số thập phân; điểm phải từ 0 đến {max}.",
        "Criterion {criterion}: '{value}' has more than 2 decimal places; "
        "the score must be between 0 and {max}.",
    ),
    "scoring.score_out_of_range": (
        "Tiêu chí {criterion}: điểm '{value}' nằm ngoài khoảng cho phép từ 0 đến {max}.",
        "Criterion {criterion}: '{value}' is outside the allowed range 0 to {max}.",
    ),
    # self-assessment
    "scoring.rejected": ("Điểm chưa được lưu:", "Nothing was saved:"),
    "scoring.nothing_to_save": ("Không có điểm nào để lưu.", "There are no scores to save."),
    "scoring.duplicate": (
        "Tiêu chí {criterion} được gửi hai lần.",
        "Criterion {criterion} is given twice.",
    ),
    "scoring.unknown_criterion": (
        "Không có tiêu chí {criterion} trong bộ chỉ số của cơ quan.",
        "The agency's criteria set has no criterion {criterion}.",
    ),
    "scoring.not_leaf": (
        "Tiêu chí {criterion} gồm các tiêu chí thành phần: hãy chấm điểm từng tiêu chí thành phần.",
        "Criterion {criterion} has sub-criteria: score each of them instead.",
    ),
    "scoring.survey_leaf": (
        "Tiêu chí {criterion} được chấm qua điều tra xã hội học, không tự chấm hay thẩm định.",
        "Criterion {criterion} is scored by the survey, not by the agency or the council.",
    ),
    "scoring.agency_leaf": (
        "Tiêu chí {criterion} do cơ quan tự chấm, không lấy từ điều tra xã hội học.",
        "Criterion {criterion} is scored by the agency, not by the survey.",
    ),
    "scoring.agency_only": (
        "Chỉ cán bộ đầu mối hoặc lãnh đạo của cơ quan được chấm điểm và nộp tài liệu của cơ quan.",
        "Only the agency's focal point or head may score its criteria and attach its evidence.",
    ),
    "scoring.not_self_assessment": (
        "Hồ sơ đang ở trạng thái '{state}': không còn sửa được điểm tự chấm.",
        "The submission is '{state}': self-scores can no longer be changed.",
    ),
    "criterion.not_found": (
        "Không có tiêu chí {criterion} trong bộ chỉ số của hồ sơ này.",
        "This submission's criteria set has no criterion {criterion}.",
    ),
    # evidence
    "evidence.rejected": ("Tài liệu kiểm chứng chưa được lưu:", "The evidence was not saved:"),
    "evidence.closed": (
        "Hồ sơ đang ở trạng thái '{state}': chỉ bổ sung tài liệu khi tự đánh giá "
        "hoặc trong thời hạn giải trình.",
        "The submission is '{state}': evidence can be added during self-assessment or while the dispute "
        "window is open.",
    ),
    "evidence.remove_closed": (
        "Hồ sơ đang ở trạng thái '{state}': không còn gỡ được tài liệu kiểm chứng.",
        "The submission is '{state}': evidence can no longer be removed.",
    ),
    "evidence.file_or_url": (
        "Hãy gửi một tệp (trường 'file') hoặc một đường dẫn (trường 'url'), không gửi cả hai.",
        "Send either a file (field 'file') or a link (field 'url'), not both.",
    ),
    "evidence.criterion_required": (
        "Hãy cho biết tài liệu dùng cho tiêu chí nào (trường 'criterion').",
        "Say which criterion the evidence is for (field 'criterion').",
    ),
    "evidence.bad_url": (
        "Đường dẫn phải bắt đầu bằng http:// hoặc https://, không có dấu cách và dài tối đa {max} ký tự.",
        "The link must start with http:// or https://, contain no spaces and be at most {max} characters.",
    ),
    "evidence.too_large": (
        "Tệp quá lớn: tối đa {limit} mỗi tệp. Hãy nén hoặc chia nhỏ tài liệu.",
        "The file is too large: at most {limit} per file. Compress or split the document.",
    ),
    "evidence.unsupported_type": (
        "Loại tệp không được chấp nhận (kiểm tra theo nội dung tệp, không theo tên). Chấp nhận: {accepted}.",
        "This kind of file is not accepted (judged by its content, not its name). Accepted: {accepted}.",
    ),
    "evidence.zip_too_many_parts": (
        "Tệp có hơn {limit} thành phần bên trong, nhiều hơn mọi văn bản Word, Excel hay PowerPoint "
        "thật; tệp không được nhận. Hãy lưu lại văn bản hoặc xuất ra PDF rồi tải lên.",
        "The file has more than {limit} parts inside, more than any real Word, Excel or PowerPoint "
        "document; it was not accepted. Save the document again or export it to PDF and upload that.",
    ),
    "evidence.zip_too_large_unpacked": (
        "Tệp khi giải nén chiếm hơn {limit}, vượt xa mọi văn bản thật; tệp không được nhận. "
        "Hãy xuất văn bản ra PDF rồi tải lên.",
        "The file unpacks to more than {limit}, far beyond any real document; it was not accepted. "
        "Export the document to PDF and upload that.",
    ),
    "evidence.rate_limited": (
        "Đơn vị đã thêm {limit} tài liệu kiểm chứng trong một giờ qua, mức tối đa cho phép; "
        "vui lòng thử lại sau {minutes} phút.",
        "Your agency has added {limit} pieces of evidence in the past hour, the most allowed; "
        "please try again in {minutes} minutes.",
    ),
    "evidence.submission_full": (
        "Các tệp kiểm chứng của hồ sơ đã chiếm {held}; thêm tệp này sẽ vượt mức {limit} cho một hồ sơ. "
        "Hãy gỡ các tệp không cần thiết hoặc nén ảnh chụp trước khi tải lên.",
        "The submission's evidence files already take {held}; this file would go beyond the {limit} "
        "allowed for one submission. Take back files that are not needed or shrink scans before uploading.",
    ),
    "evidence.bad_upload": (
        "Không đọc được dữ liệu tải lên: hãy gửi biểu mẫu multipart/form-data.",
        "The upload could not be read: send a multipart/form-data form.",
    ),
    "evidence.not_found": ("Không tìm thấy tài liệu kiểm chứng số {id}.", "No evidence {id}."),
    "evidence.is_link": (
        "Tài liệu số {id} là một đường dẫn, không có tệp để tải về.",
        "Evidence {id} is a link; there is no file to download.",
    ),
    "evidence.file_missing": (
        "Tệp của tài liệu số {id} không còn trong kho lưu trữ; hãy báo quản trị hệ thống.",
        "The file of evidence {id} is missing from storage; tell the administrator.",
    ),
    "evidence.in_dispute": (
        "Tài liệu số {id} đang được dùng cho một nội dung giải trình nên không gỡ được.",
        "Evidence {id} supports a dispute and cannot be removed.",
    ),
    # appraisal
    "appraisal.rejected": ("Kết quả thẩm định chưa được lưu:", "Nothing was saved:"),
    "appraisal.council_only": (
        "Chỉ thành viên Hội đồng thẩm định được nhập điểm thẩm định.",
        "Only members of the Appraisal Council may enter appraised scores.",
    ),
    "appraisal.not_in_appraisal": (
        "Hồ sơ đang ở trạng thái '{state}': chưa hoặc không còn trong giai đoạn thẩm định.",
        "The submission is '{state}': it is not under appraisal.",
    ),
    "appraisal.not_your_field": (
        "Tiêu chí {criterion} thuộc lĩnh vực {field}; bạn được phân công thẩm định lĩnh vực: {fields}.",
        "Criterion {criterion} belongs to field {field}; you appraise field(s): {fields}.",
    ),
    "appraisal.comment_required": (
        "Tiêu chí {criterion}: điểm thẩm định khác điểm tự chấm ({self_score}) nên phải ghi rõ lý do.",
        "Criterion {criterion}: the appraised score differs from the self-score ({self_score}), so a "
        "comment is required.",
    ),
    "appraisal.progress_forbidden": (
        "Chỉ Sở Nội vụ, lãnh đạo thành phố và người giám sát xem được tiến độ thẩm định.",
        "Only Home Affairs, city leaders and viewers can see appraisal progress.",
    ),
    # disputes
    "dispute.rejected": ("Nội dung giải trình chưa được lưu:", "Nothing was saved:"),
    "dispute.nothing_filed": (
        "Hãy nêu ít nhất một tiêu chí cần xem xét lại.",
        "Name at least one criterion to be reconsidered.",
    ),
    "dispute.argument_required": (
        "Tiêu chí {criterion}: cần nêu lý do đề nghị xem xét lại.",
        "Criterion {criterion}: state why it should be reconsidered.",
    ),
    "dispute.argument_too_long": (
        "Tiêu chí {criterion}: nội dung giải trình dài quá {max} ký tự.",
        "Criterion {criterion}: the argument is longer than {max} characters.",
    ),
    "dispute.not_appraised": (
        "Tiêu chí {criterion} chưa có điểm thẩm định để giải trình.",
        "Criterion {criterion} has no appraised score to dispute.",
    ),
    "dispute.already_open": (
        "Tiêu chí {criterion} đang có nội dung giải trình chờ xử lý.",
        "Criterion {criterion} already has an open dispute.",
    ),
    "dispute.already_decided": (
        "Tiêu chí {criterion} đã được giải trình và xử lý trong đợt kết quả này.",
        "Criterion {criterion} has already been disputed and decided for these results.",
    ),
    "dispute.bad_evidence": (
        "Tiêu chí {criterion}: tài liệu số {id} không thuộc tiêu chí này của hồ sơ.",
        "Criterion {criterion}: evidence {id} does not belong to this criterion of the submission.",
    ),
    "dispute.not_found": ("Không tìm thấy nội dung giải trình số {id}.", "No dispute {id}."),
    "dispute.not_owner": (
        "Chỉ thành viên Hội đồng phụ trách lĩnh vực này hoặc Sở Nội vụ được xử lý nội dung giải trình.",
        "Only the council member responsible for this field, or Home Affairs, may resolve this dispute.",
    ),
    "dispute.already_resolved": (
        "Nội dung giải trình số {id} đã được xử lý.",
        "Dispute {id} has already been resolved.",
    ),
    "dispute.reason_required": (
        "Cần ghi rõ lý do chấp nhận hoặc không chấp nhận.",
        "A reason is required, whether the dispute is accepted or rejected.",
    ),
    "dispute.bad_outcome": (
        "Kết quả xử lý phải là 'accepted' (chấp nhận) hoặc 'rejected' (không chấp nhận).",
        "The outcome must be 'accepted' or 'rejected'.",
    ),
    "dispute.score_required": (
        "Chấp nhận giải trình thì phải nhập điểm mới cho tiêu chí {criterion} (từ 0 đến {max}).",
        "Accepting a dispute needs the new score of criterion {criterion} (0 to {max}).",
    ),
    "dispute.score_with_rejection": (
        "Không chấp nhận giải trình thì giữ nguyên điểm thẩm định: không gửi điểm mới.",
        "A rejected dispute keeps the appraised score: do not send a new score.",
    ),
    "guard.dispute_window_still_open": (
        "Thời hạn giải trình của cơ quan còn đến {closes_at}; chỉ phê duyệt sau thời hạn này.",
        "The agency may still dispute until {closes_at}; approve after that.",
    ),
    # survey
    "survey.rejected": (
        "Tệp kết quả điều tra bị từ chối, chưa nhập dữ liệu nào:",
        "The survey file was rejected; nothing was imported:",
    ),
    "survey.unreadable": (
        "Không đọc được tệp {source} ({reason}): cần tệp CSV (UTF-8) hoặc Excel (.xlsx).",
        "Cannot read {source} ({reason}): a CSV (UTF-8) or Excel (.xlsx) file is needed.",
    ),
    "survey.not_utf8": (
        "Tệp CSV phải được lưu với bảng mã UTF-8 (trong Excel: 'CSV UTF-8').",
        "The CSV file must be saved as UTF-8 (in Excel: 'CSV UTF-8').",
    ),
    "survey.empty": ("Tệp không có dữ liệu.", "The file is empty."),
    "survey.no_rows": ("Tệp không có dòng kết quả nào.", "The file has no result rows."),
    "survey.no_agency_column": (
        "Thiếu cột 'agency' (mã cơ quan) ở dòng tiêu đề.",
        "The heading row has no 'agency' column (agency code).",
    ),
    "survey.missing_column": (
        "Thiếu cột '{column}' (cần cho {count} cơ quan trong tệp).",
        "Column '{column}' is missing (needed by {count} agencies in the file).",
    ),
    "survey.unknown_column": (
        "Cột '{column}' không phải là tiêu chí chấm qua điều tra xã hội học.",
        "Column '{column}' is not a survey-scored criterion.",
    ),
    "survey.unknown_agency": (
        "{where}: không có cơ quan mã '{agency}' trong đợt đánh giá.",
        "{where}: the campaign has no agency '{agency}'.",
    ),
    "survey.duplicate_agency": (
        "{where}: cơ quan '{agency}' đã có ở {first}.",
        "{where}: agency '{agency}' is already given at {first}.",
    ),
    "survey.already_approved": (
        "{where}: kết quả của cơ quan '{agency}' đã ở trạng thái '{state}', không thay đổi được.",
        "{where}: the results of '{agency}' are '{state}' and cannot change.",
    ),
    "survey.missing_value": (
        "{where}: cơ quan '{agency}' thiếu giá trị ở cột '{column}'.",
        "{where}: agency '{agency}' has no value in column '{column}'.",
    ),
    "survey.bad_number": (
        "{where}: cơ quan '{agency}', cột '{column}': '{value}' không phải số hợp lệ "
        "(tối đa 2 chữ số thập phân).",
        "{where}: agency '{agency}', column '{column}': '{value}' is not a valid number "
        "(at most 2 decimals).",
    ),
    "survey.over_max": (
        "{where}: cơ quan '{agency}', cột '{column}': '{value}' ngoài khoảng từ 0 đến {max}.",
        "{where}: agency '{agency}', column '{column}': '{value}' is outside 0 to {max}.",
    ),
    "survey.not_for_agency": (
        "{where}: tiêu chí '{column}' không thuộc bộ chỉ số của cơ quan '{agency}'; để trống ô này.",
        "{where}: criterion '{column}' is not in the criteria set of '{agency}'; leave the cell empty.",
    ),
    "survey.home_affairs_only": (
        "Chỉ Sở Nội vụ được nhập kết quả điều tra xã hội học.",
        "Only Home Affairs may import survey results.",
    ),
    "survey.published": (
        "Kết quả của đợt '{code}' đã công bố; không nhập thêm kết quả điều tra.",
        "The results of '{code}' are published; survey results can no longer change.",
    ),
    "survey.file_required": (
        "Hãy gửi tệp kết quả điều tra (trường 'file').",
        "Send the survey results file (field 'file').",
    ),
    # results
    "results.not_published": (
        "Kết quả của đợt '{code}' chưa được công bố.",
        "The results of '{code}' are not published.",
    ),
    "results.preview_forbidden": (
        "Chỉ Sở Nội vụ, lãnh đạo thành phố và người giám sát xem được bảng kết quả trước khi công bố.",
        "Only Home Affairs, city leaders and viewers can see the results before publication.",
    ),
    "results.home_affairs_only": (
        "Chỉ Sở Nội vụ được loại một cơ quan khỏi xếp hạng.",
        "Only Home Affairs may leave an agency out of the ranking.",
    ),
    "results.already_published": (
        "Kết quả của đợt '{code}' đã được công bố.",
        "The results of '{code}' are already published.",
    ),
    "results.reason_required": (
        "Cần ghi rõ lý do không xếp hạng cơ quan.",
        "A reason for leaving the agency out is required.",
    ),
    "results.reason_too_long": ("Lý do dài quá {max} ký tự.", "The reason is longer than {max} characters."),
    "results.agency_not_ranked": (
        "Cơ quan '{agency}' không có trong kết quả công bố của đợt '{code}'.",
        "Agency '{agency}' is not in the published results of '{code}'.",
    ),
    "results.decision_number_required": (
        "Cần ghi số quyết định công bố kết quả (ví dụ 903/QĐ-UBND).",
        "The number of the decision approving the results is required (e.g. 903/QĐ-UBND).",
    ),
    "results.decision_too_long": (
        "Số quyết định và người ký không dài quá {max} ký tự.",
        "The decision number and signer are at most {max} characters each.",
    ),
    "results.decision_date_invalid": (
        "Ngày quyết định '{value}' không hợp lệ: ghi theo dạng ngày/tháng/năm, ví dụ 28/03/2022.",
        "The decision date '{value}' is not valid: write it as day/month/year, e.g. 28/03/2022.",
    ),
    # last year's results, imported (services/results/previous.py)
    "previous.home_affairs_only": (
        "Chỉ Sở Nội vụ được nhập kết quả năm trước.",
        "Only Home Affairs may import last year's results.",
    ),
    "previous.too_large": (
        "Tệp kết quả năm trước lớn quá {max_mb} MB.",
        "The file of last year's results is larger than {max_mb} MB.",
    ),
    "previous.rejected": (
        "Không nhập tệp kết quả năm trước: chưa lưu dòng nào. Hãy sửa các lỗi sau rồi gửi lại cả tệp.",
        "Last year's results were not imported: no row was stored. "
        "Fix these problems and send the whole file again.",
    ),
    "previous.columns_missing": (
        "Dòng tiêu đề cần các cột 'agency' (mã cơ quan), 'rank' (xếp hạng) và 'total' (Chỉ số CCHC).",
        "The heading row needs the columns 'agency' (agency code), 'rank' and 'total' (PAR Index).",
    ),
    "previous.too_many_rows": ("Tệp có quá {max} dòng.", "The file has more than {max} rows."),
    "previous.unknown_agency": (
        "{where}: không có cơ quan mã '{agency}' trong đợt đánh giá.",
        "{where}: the campaign has no agency '{agency}'.",
    ),
    "previous.duplicate_agency": (
        "{where}: cơ quan '{agency}' đã có ở {first}.",
        "{where}: agency '{agency}' is already given at {first}.",
    ),
    "previous.bad_number": (
        "{where}: cơ quan '{agency}', cột '{column}': '{value}' không phải số hợp lệ (không nhận công thức).",
        "{where}: agency '{agency}', column '{column}': '{value}' is not a valid number "
        "(formulas are refused).",
    ),
    "previous.rank_total_required": (
        "{where}: cơ quan '{agency}' cần có cả xếp hạng và Chỉ số CCHC.",
        "{where}: agency '{agency}' needs both a rank and a PAR Index.",
    ),
    "results.publish_forbidden": (
        "Vai trò của bạn không được công bố kết quả.",
        "Your role may not publish the results.",
    ),
    "results.cannot_publish": ("Chưa công bố được kết quả:", "The results cannot be published yet:"),
    "results.not_ready": (
        "{agency} đang ở trạng thái '{state}': cần được phê duyệt hoặc loại khỏi xếp hạng (kèm lý do).",
        "{agency} is '{state}': approve it, or leave it out of the ranking with a reason.",
    ),
    "results.nothing_to_publish": (
        "Không có cơ quan nào để công bố.",
        "There is no agency to publish.",
    ),
    # demo clock
    "demo.not_available": (
        "Chức năng chỉnh đồng hồ chỉ có trong bản chạy thử (parflow demo).",
        "Moving the clock is only available in the demo (parflow demo).",
    ),
    "demo.clock_backwards": (
        "Đồng hồ bản chạy thử chỉ được chỉnh tiến, không lùi (hiện tại: {now}).",
        "The demo clock only moves forward (now: {now}).",
    ),
    "demo.clock_input": (
        "Gửi 'to' (thời điểm ISO 8601) hoặc 'working_days' (số ngày làm việc), không gửi cả hai.",
        "Send 'to' (an ISO 8601 instant) or 'working_days' (a number of working days), not both.",
    ),
}
