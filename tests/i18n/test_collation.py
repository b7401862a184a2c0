from parflow.i18n.collation import fold, matches, sort_vietnamese, vietnamese_key


def test_vietnamese_dictionary_order() -> None:
    names = [
        "UBND quận Đồ Sơn",
        "Sở Y tế",
        "Sở Giáo dục và Đào tạo",
        "UBND quận Dương Kinh",
        "Sở Giao thông vận tải",
        "Sở Âm",
        "Sở Ăn",
        "Sở An",
    ]
    assert sort_vietnamese(names, str) == [
        "Sở An",
        "Sở Ăn",
        "Sở Âm",
        "Sở Giao thông vận tải",
        "Sở Giáo dục và Đào tạo",
        "Sở Y tế",
        "UBND quận Dương Kinh",
        "UBND quận Đồ Sơn",
    ]


def test_key_is_stable_for_equal_names() -> None:
    assert vietnamese_key("Sở Tư pháp") == vietnamese_key("Sở  Tư   pháp")


def test_search_without_tones() -> None:
    assert fold("Đông Hải") == "dong hai"
    assert matches("giao thong", "Sở Giao thông vận tải")
    assert matches("SỞ GIAO", "Sở Giao thông vận tải")
    assert matches("dong hai", "Phường Đông Hải")
    assert not matches("giao duc", "Sở Giao thông vận tải")
