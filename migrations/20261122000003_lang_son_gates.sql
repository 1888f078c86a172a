-- The gates the portal starts with: the two Lang Son pair routes of the digital border
-- gate programme, and Thanh Thuy (Ha Giang), all facing China. Reference data, not
-- demo data: gate admins tune each plan from the gates page. Capacities per one-hour
-- slot and direction are set near today's daily figures (Huu Nghi about 800 vehicles a
-- day, Tan Thanh about 400); the receiving side's intake reflects its acceptance.
insert into gates (id, name_vi, name_en, name_zh, border_markers, time_zone,
                   other_side_vi, other_side_en, other_side_zh, other_side_time_zone,
                   export_capacity, import_capacity, export_daily_intake, import_daily_intake)
values
  ('huu-nghi', 'Cửa khẩu quốc tế Hữu Nghị', 'Huu Nghi International Border Gate', '友谊国际口岸（越南）',
   '1119-1120', 'Asia/Ho_Chi_Minh',
   'Hữu Nghị Quan (Bằng Tường, Quảng Tây)', 'Youyiguan (Pingxiang, Guangxi)', '友谊关（广西凭祥）', 'Asia/Shanghai',
   20, 14, 420, null),
  ('tan-thanh', 'Cửa khẩu Tân Thanh', 'Tan Thanh Border Gate', '新清口岸（越南）',
   '1088/2-1089', 'Asia/Ho_Chi_Minh',
   'Pò Chài (Bằng Tường, Quảng Tây)', 'Po Chai (Pingxiang, Guangxi)', '浦寨（广西凭祥）', 'Asia/Shanghai',
   10, 7, 300, null),
  ('thanh-thuy', 'Cửa khẩu quốc tế Thanh Thủy', 'Thanh Thuy International Border Gate', '清水国际口岸（越南）',
   '261', 'Asia/Ho_Chi_Minh',
   'Thiên Bảo (Ma Lật Pha, Vân Nam)', 'Tianbao (Malipo, Yunnan)', '天保（云南麻栗坡）', 'Asia/Shanghai',
   6, 4, null, null);
