"""The words Vietnamese middle and given names are made of, to doubt a name's tone misread.

An engine reads "Thu" as "Thủ", "Hồng" as "Hông", "Huyền" as "Huyển" with full confidence: each
is a syllable of the language, so no dictionary refuses it, but not one a name is made of. A
name word outside this list whose letters, marks aside, are those of a listed word is such a
misread more often than a rare name, and goes to a person. A word unlike any listed one (a rare
name, a minority's name) is left as read: the list is the common names, not every name.
"""

from __future__ import annotations

from itertools import groupby

from pipeline.text import fold, tone_normal

NAME_WORDS = frozenset(tone_normal(word) for word in """
    An Ái Án Anh Ánh Ân Ấn Ẩn Bá Bạch Bao Bảo Bắc Băng Bằng Bích Biên Biển
    Bình Bính Bội Bông Bùi Bửu Ca Cát Cầm Cẩm Cần Cảnh Cao Chánh Châm Chân Chấn Châu Chi
    Chí Chiến Chiêu Chinh Chính Chu Chúc Chung Chương Chưởng Cơ Côn Công Cúc Cung Cương
    Cường Cửu Dạ Danh Dân Dần Di Diễm Diên Diệp Diệu Dinh Doanh Du Dung Dũng Duy Duyên Duyệt
    Dư Dự Dương Đa Đài Đam Đàm Đan Đán Đang Đăng Đắc Đằng Đạo Đạt Đào Điềm Điền Điệp Điểu
    Định Đình Đoan Đoàn Đông Đồng Độ Đôn Đức Đương Gấm Giang Giao Giáp Gia Hà Hạ Hạc Hải Hàm
    Hán Hạnh Hào Hảo Hằng Hân Hậu Hiên Hiền Hiển Hiến Hiếu Hiệp Hiệu Hinh Hòa Hoa Hóa
    Hoài Hoan Hoàn Hoán Hoàng Hoành Học Hội Hồng Hợi Hợp Huân Huấn Huế Huệ Hùng Hưng Hương
    Hường Hữu Huy Huyên Huyền Huynh Huỳnh Hy Kha Khải Khang Khanh Khánh Khắc Khiêm Khoa Khoái
    Khôi Khuê Khương Kiên Kiến Kiệt Kiều Kim Kính Kỳ Kỷ La Lạc Lai Lam Lâm Lan Lãm Lãng
    Lành Lê Lễ Lệ Liêm Liên Liễu Linh Lịch Loan Lộc Lợi Long Luân Luận Lục Lực Lương Lượng
    Lưu Ly Lý Mai Mạnh Mẫn Mậu Mây Mến Miên Minh Mơ Mừng Mỹ My Na Nam Năng Nga Ngà Ngạn Ngân
    Nghi Nghĩa Nghiêm Nghị Ngọ Ngọc Ngôn Nguyên Nguyện Nguyệt Nhã Nhạn Nhàn Nhân Nhâm Nhật
    Nhi Nhiên Nhu Nhung Như Nhượng Ninh Nương Oanh Phan Pháp Phát Phi Phong Phú
    Phúc Phùng Phụng Phước Phương Phượng Quách Quân Quang Quảng Quế Quốc Quý Quyên Quyền Quyết
    Quỳnh Sa Sang Sáng Sâm Sen Sinh Sơn Song Sĩ Sỹ Sương Tạ Tài Tâm Tân Tấn Tần Tăng Thạch
    Thái Thanh Thành Thạnh Thảo Thao Thắm Thắng Thăng Thân Thẩm Thận Thế Thi Thị Thìn Thiên
    Thiện Thiệu Thịnh Thoa Thoại Thọ Thông Thơ Thời Thu Thủy Thùy Thúy Thuận Thục Thuyên Thuyết
    Thư Thức Thương Thường Tiên Tiến Tiền Tiệp Tín Tính Tình Tịnh Toại Toàn Toản Tô Tôn Tống
    Trà Trác Trâm Trầm Trân Trấn Trang Tráng Trí Triết Triều Triệu Trinh Trình Trọng Trúc
    Trung Trưng Trường Trương Tú Tuân Tuấn Tuất Tuệ Tùng Tuyến Tuyền Tuyết Tư Từ Tường Tước
    Tương Uy Uyên Uyển Văn Vân Vi Viên Viễn Việt Vinh Vĩnh Võ Vũ Vui Vương Vượng Vy Xuân
    Xuyến Yên Yến Thụy Tuyên Lụa Nhất Khả Thiều Thuần Tươi Đại Vĩ Vỹ Mỵ Mị Thưởng Thượng
    Hưởng Lĩnh Hanh Hành Lân Quy Hai Ba Năm Sáu Bảy Tám Chín Mười
""".split())
"""Middle and given name words in common use, old and new tone placement alike."""

_BY_LETTERS = {letters: sorted(words) for letters, words
               in groupby(sorted(NAME_WORDS, key=fold), key=fold)}


def misread_words(name: str) -> list[tuple[str, list[str]]]:
    """The words after the surname of ``name`` (as :func:`person_name` gives it) that no common
    name is made of, each with the listed words that have its letters: ("Thủ", ["Thu", "Thư"])."""
    doubtful = []
    for word in name.split()[1:]:
        if tone_normal(word) not in NAME_WORDS and (listed := _BY_LETTERS.get(fold(word))):
            doubtful.append((word, listed))
    return doubtful
