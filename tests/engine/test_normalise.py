from bot.engine.normalise import Normaliser

HOMOPHONES = {"微信": ["v信", "薇信", "vx"], "qq": ["扣扣"], "账户": ["帐户"]}


def normalise(text: str) -> str:
    return Normaliser(HOMOPHONES)(text).text


def test_full_width_digits_and_letters_become_half_width():
    assert normalise("４００００元，ＶＸ") == "40000元,微信"


def test_traditional_characters_become_simplified():
    assert normalise("銀行帳戶凍結") == "银行账户冻结"


def test_spaces_and_symbols_between_chinese_characters_are_removed():
    assert normalise("安 全 账 户") == "安全账户"
    assert normalise("安-全*账_户") == "安全账户"


def test_separators_inside_urls_and_english_are_kept():
    assert normalise("click http://a.b.com/x now") == "click http://a.b.com/x now"


def test_zero_width_characters_are_dropped():
    assert normalise("安\u200b全\u200d账户") == "安全账户"


def test_homophone_spellings_are_folded():
    assert normalise("加我V信") == "加我微信"
    assert normalise("加薇信或扣扣") == "加微信或qq"


def test_ascii_homophones_only_match_whole_tokens():
    assert normalise("vx123") == "vx123"
    assert normalise("加vx") == "加微信"


def test_chinese_amounts_become_digits():
    assert normalise("肆万元") == "40000元"
    assert normalise("转了4万") == "转了40000"
    assert normalise("3.5万") == "35000"
    assert normalise("三千五百元") == "3500元"


def test_words_containing_numerals_survive():
    assert normalise("一起去吃饭，万一呢") == "一起去吃饭,万一呢"


def test_positions_map_back_to_the_original_text():
    result = Normaliser(HOMOPHONES)("请转到 安 全 账 户")
    start = result.text.index("安全账户")
    begin, end = result.source_span(start, start + 4)
    assert result.original[begin:end] == "安 全 账 户"


def test_very_long_input_is_truncated():
    result = Normaliser()("字" * 100_000)
    assert result.truncated
    assert len(result.text) <= 6000
