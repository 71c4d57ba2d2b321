/**
 * Realistic Chinese names and places for the seed data: people, the Shangluo (商洛) union tree, enterprises,
 * national ID numbers and phone numbers. Place names are the real counties and towns of Shangluo; enterprise
 * names are invented in the usual "<place><brand><business>有限公司工会委员会" style.
 */
import { Random } from './random';

// ---------------------------------------------------------------------------------------------- people

/** Common surnames with rough relative frequencies (per mille of the population). */
export const SURNAMES: readonly (readonly [string, number])[] = [
  ['王', 71], ['李', 70], ['张', 67], ['刘', 54], ['陈', 45], ['杨', 31], ['赵', 23], ['黄', 22], ['周', 17], ['吴', 16],
  ['徐', 13], ['孙', 13], ['胡', 12], ['朱', 11], ['高', 11], ['林', 10], ['何', 10], ['郭', 10], ['马', 9], ['罗', 8],
  ['梁', 7], ['宋', 6], ['郑', 6], ['谢', 6], ['韩', 6], ['唐', 5], ['冯', 5], ['于', 5], ['董', 5], ['萧', 4],
  ['程', 4], ['曹', 4], ['袁', 4], ['邓', 4], ['许', 4], ['傅', 3], ['沈', 3], ['曾', 3], ['彭', 3], ['吕', 3],
  ['苏', 3], ['卢', 3], ['蒋', 3], ['蔡', 3], ['贾', 3], ['丁', 3], ['魏', 3], ['薛', 3], ['叶', 3], ['阎', 3],
  ['余', 3], ['潘', 3], ['杜', 3], ['戴', 2], ['夏', 2], ['钟', 2], ['汪', 2], ['田', 2], ['任', 2], ['姜', 2],
  ['范', 2], ['方', 2], ['石', 2], ['姚', 2], ['谭', 2], ['廖', 2], ['邹', 2], ['熊', 2], ['金', 2], ['陆', 2],
  ['郝', 2], ['孔', 2], ['白', 2], ['崔', 2], ['康', 2], ['毛', 2], ['邱', 2], ['秦', 2], ['江', 2], ['史', 2],
  ['顾', 2], ['侯', 2], ['邵', 2], ['孟', 2], ['龙', 2], ['万', 2], ['段', 2], ['雷', 2], ['钱', 2], ['汤', 2],
  ['尹', 2], ['易', 2], ['常', 2], ['武', 2], ['乔', 2], ['贺', 2], ['龚', 2], ['文', 2], ['屈', 1], ['党', 1],
  ['卫', 1], ['贠', 1], ['巩', 1], ['柯', 1], ['欧阳', 1], ['司马', 0.3],
];

const MALE_GIVEN = [
  '伟', '强', '磊', '军', '勇', '杰', '涛', '斌', '超', '明', '刚', '平', '辉', '鹏', '华', '飞', '鑫', '波', '宁', '建',
  '国', '峰', '林', '亮', '成', '浩', '宇', '俊', '帅', '龙', '海', '东', '文', '兵', '志', '振', '兴', '卫', '江', '晨',
  '博', '旭', '毅', '坤', '锋', '健', '彬', '庆', '忠', '德', '民', '宏', '永', '军', '喜', '红', '荣', '锁', '社', '利',
  '安', '康', '虎', '贵', '福', '进', '学', '武', '泽', '轩', '睿', '航', '昊', '然', '凯', '子', '天', '嘉', '豪', '磊',
];
const FEMALE_GIVEN = [
  '芳', '娜', '敏', '静', '丽', '艳', '娟', '霞', '秀', '英', '玲', '燕', '萍', '红', '梅', '琳', '雪', '慧', '婷', '倩',
  '莉', '兰', '凤', '洁', '琴', '云', '莹', '颖', '佳', '欣', '悦', '月', '晶', '丹', '蓉', '璐', '霞', '珍', '芬', '菊',
  '翠', '桂', '花', '春', '瑞', '妮', '宁', '雯', '涵', '怡', '彤', '瑶', '琪', '可', '思', '梦', '雅', '萌', '姣', '荣',
];

export function personName(rng: Random, male: boolean, pickSurname: () => string): string {
  const pool = male ? MALE_GIVEN : FEMALE_GIVEN;
  const given = rng.chance(0.68) ? rng.pick(pool) + rng.pick(pool) : rng.pick(pool);
  return pickSurname() + given;
}

// --------------------------------------------------------------------------------- national ID numbers

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

/** ISO 7064 MOD 11-2 check character of the first 17 digits of a resident identity number. */
export function idCheckDigit(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * ID_WEIGHTS[i]!;
  return ID_CHECK[sum % 11]!;
}

export function isValidNationalId(id: string): boolean {
  return /^\d{17}[\dX]$/.test(id) && idCheckDigit(id.slice(0, 17)) === id[17];
}

/** Builds an 18-character ID number: region, birth date YYYYMMDD, 3-digit sequence (odd = male), check digit. */
export function nationalId(region: string, birth: string, sequence: number, male: boolean): string {
  // The last digit of the sequence carries the sex: odd for men, even for women.
  let seq = sequence % 1000;
  if ((seq % 2 === 1) !== male) seq = seq === 999 ? 998 : seq + 1;
  if (seq === 0) seq = male ? 1 : 2;
  const first17 = region + birth + String(seq).padStart(3, '0');
  return first17 + idCheckDigit(first17);
}

/** Other places members come from (Xi'an districts, Xianyang, Weinan, Hanzhong, Ankang), for variety. */
export const OTHER_REGIONS = ['610102', '610113', '610402', '610502', '610702', '610902', '411323'];

const PHONE_PREFIXES = [
  '130', '131', '132', '133', '134', '135', '136', '137', '138', '139', '150', '151', '152', '153', '155', '156',
  '157', '158', '159', '180', '181', '182', '183', '184', '185', '186', '187', '188', '189', '191', '198', '199',
];

export function phoneNumber(rng: Random): string {
  return rng.pick(PHONE_PREFIXES) + String(rng.int(0, 99_999_999)).padStart(8, '0');
}

// ------------------------------------------------------------------------------------------- the tree

export const PROVINCE = { code: 'SN', name: '陕西省总工会' } as const;
export const CITY = { code: 'SN-SL', name: '商洛市总工会', short: '商洛' } as const;

export interface CountyInfo {
  /** Code segment, e.g. DF for 丹凤. */
  code: string;
  /** Full name of the district or county, e.g. 丹凤县. */
  name: string;
  /** Short place name used in enterprise names, e.g. 丹凤. */
  short: string;
  /** ASCII name for demo usernames. */
  pinyin: string;
  /** Region code on ID cards issued before 2002 (商洛地区, 6125xx) and after (商洛市, 6110xx). */
  oldRegion: string;
  newRegion: string;
  /** Real towns and sub-district offices (镇/街道). */
  towns: string[];
  /** Local industries that have an 产业工会, most important first. */
  industries: string[];
  park: string;
  /** Relative size (population share) used to spread grassroots unions and members. */
  weight: number;
}

export const COUNTIES: readonly CountyInfo[] = [
  {
    code: 'SZ', name: '商州区', short: '商州', pinyin: 'shangzhou', oldRegion: '612501', newRegion: '611002', weight: 1.5,
    towns: ['大赵峪街道', '陈塬街道', '刘湾街道', '城关街道', '夜村镇', '沙河子镇', '杨峪河镇', '金陵寺镇', '黑山镇', '杨斜镇',
      '麻街镇', '牧护关镇', '大荆镇', '腰市镇', '板桥镇', '北宽坪镇', '三岔河镇', '闫村镇'],
    industries: ['中药材', '核桃'], park: '商州区工业园区',
  },
  {
    code: 'LN', name: '洛南县', short: '洛南', pinyin: 'luonan', oldRegion: '612522', newRegion: '611021', weight: 1.3,
    towns: ['城关街道', '四皓街道', '景村镇', '古城镇', '三要镇', '灵口镇', '寺耳镇', '巡检镇', '石坡镇', '石门镇', '麻坪镇',
      '洛源镇', '保安镇', '永丰镇', '柏峪寺镇', '卫东镇'],
    industries: ['核桃', '烟叶'], park: '洛南县工业集中区',
  },
  {
    code: 'DF', name: '丹凤县', short: '丹凤', pinyin: 'danfeng', oldRegion: '612523', newRegion: '611022', weight: 0.9,
    towns: ['龙驹寨街道', '庾家河镇', '峦庄镇', '铁峪铺镇', '武关镇', '竹林关镇', '土门镇', '寺坪镇', '商镇', '棣花镇', '花瓶镇',
      '蔡川镇'],
    industries: ['葡萄', '核桃'], park: '丹凤县工业园区',
  },
  {
    code: 'SN', name: '商南县', short: '商南', pinyin: 'shangnan', oldRegion: '612524', newRegion: '611023', weight: 0.8,
    towns: ['城关街道', '富水镇', '湘河镇', '赵川镇', '金丝峡镇', '过风楼镇', '试马镇', '清油河镇', '十里坪镇', '青山镇'],
    industries: ['茶叶', '香菇'], park: '商南县工业园区',
  },
  {
    code: 'SY', name: '山阳县', short: '山阳', pinyin: 'shanyang', oldRegion: '612525', newRegion: '611024', weight: 1.2,
    towns: ['城关街道', '十里铺街道', '高坝店镇', '天竺山镇', '中村镇', '银花镇', '西照川镇', '漫川关镇', '南宽坪镇', '户垣镇',
      '杨地镇', '小河口镇', '色河铺镇', '板岩镇', '延坪镇', '两岭镇', '王闫镇', '法官镇'],
    industries: ['木耳', '中药材'], park: '山阳县工业园区',
  },
  {
    code: 'ZA', name: '镇安县', short: '镇安', pinyin: 'zhenan', oldRegion: '612526', newRegion: '611025', weight: 0.9,
    towns: ['永乐街道', '回龙镇', '铁厂镇', '大坪镇', '米粮镇', '茅坪回族镇', '西口回族镇', '高峰镇', '青铜关镇', '柴坪镇',
      '达仁镇', '木王镇', '云盖寺镇', '庙沟镇', '月河镇'],
    industries: ['板栗', '魔芋'], park: '镇安县工业园区',
  },
  {
    code: 'ZS', name: '柞水县', short: '柞水', pinyin: 'zhashui', oldRegion: '612527', newRegion: '611026', weight: 0.6,
    towns: ['乾佑街道', '营盘镇', '下梁镇', '石瓮镇', '小岭镇', '凤凰镇', '红岩寺镇', '曹坪镇', '杏坪镇'],
    industries: ['木耳', '中药材'], park: '柞水县工业园区',
  },
];

/** The sector unions (行业工会): what their members do and how their member companies are named. */
export type SectorKey = 'EXPRESS' | 'HOUSEKEEPING' | 'TRUCKING' | 'TAKEAWAY' | 'RIDE_HAILING' | 'CONSTRUCTION';

export const SECTORS: Record<SectorKey, { union: string; businesses: string[]; joint: string }> = {
  EXPRESS: { union: '快递行业工会', businesses: ['快递服务', '速递', '快运', '供应链管理'], joint: '快递网点联合工会' },
  HOUSEKEEPING: { union: '家政行业工会', businesses: ['家政服务', '月嫂服务', '保洁服务', '养老服务'], joint: '家政服务站联合工会' },
  TRUCKING: { union: '货车司机工会联合会', businesses: ['物流', '运输', '货运', '冷链物流'], joint: '货车司机之家联合工会' },
  TAKEAWAY: { union: '外卖配送行业工会', businesses: ['配送服务', '即时配送', '同城配送'], joint: '外卖配送站联合工会' },
  RIDE_HAILING: { union: '网约车行业工会', businesses: ['出行服务', '汽车租赁', '网约车服务'], joint: '网约车司机联合工会' },
  CONSTRUCTION: { union: '建筑行业工会', businesses: ['建筑工程', '建设工程', '路桥工程', '建筑劳务'], joint: '建筑工地联合工会' },
};

/** Brand-like 2-character words used in invented company names. */
export const BRANDS = [
  '秦岭', '龙腾', '金山', '鑫源', '华阳', '丹江', '金丝', '天竺', '牧护', '荆山', '鸿达', '恒盛', '宏远', '瑞丰', '永兴',
  '福泰', '商山', '仙娥', '凤冠', '鹤城', '洛源', '金泰', '盛达', '兴旺', '泰和', '华茂', '锦程', '顺捷', '通达', '安康',
  '众诚', '德信', '利民', '惠民', '新源', '天润', '东方', '中天', '博远', '祥瑞', '嘉禾', '丰源', '金桥', '银河', '绿源',
  '秦商', '富平', '康达', '恒通', '聚鑫', '腾飞', '佳和', '信达', '宏基', '正大', '海川', '长青', '金鼎', '银山', '巨峰',
  '瑞康', '润泽', '骏达', '龙山', '凤鸣', '青峰', '云顶', '翠华', '碧水', '金秋', '丰收', '阳光', '蓝天', '长城', '百川',
];

export const TOWN_BUSINESSES = [
  '建筑工程', '农业开发', '矿业', '水泥', '食品', '商贸', '旅游开发', '茶业', '农产品加工', '建材', '林业开发', '畜牧',
  '养殖', '电子商务', '酒店管理', '水电开发', '石材', '生态农业', '中药材种植', '汽车运输',
];
export const PARK_BUSINESSES = [
  '新材料', '钒钛科技', '电子科技', '生物医药', '光伏科技', '建材', '食品', '装备制造', '现代中药', '环保科技', '锂电科技',
  '硅材料', '包装材料', '服饰', '纺织', '机械制造', '化工', '饮品', '冶金', '新能源',
];
export const VILLAGES = [
  '金米', '西川', '马房子', '双河', '桃园', '柳林', '龙潭', '花园', '石门', '关庄', '凤凰', '白庙', '黄龙', '东沟',
  '王庄', '李湾', '枣园', '梨园', '杨庄', '岭南', '河口', '水磨', '松树', '青龙', '红旗', '新民', '太平', '三合',
  '五星', '铁炉', '安乐', '瓦房', '梁家', '陈家', '庙坪', '樱桃', '茶坊', '油坊', '柿园', '竹园',
];
export const COUNTY_AGENCIES = [
  '教育局', '卫生健康局', '交通运输局', '住房和城乡建设局', '财政局', '人力资源和社会保障局', '农业农村局', '林业局',
  '水利局', '市场监督管理局', '自然资源局', '文化和旅游广电局', '公安局', '人民法院', '人民检察院', '税务局', '融媒体中心',
  '民政局', '应急管理局', '统计局', '审计局', '发展和改革局', '科学技术局', '商务局', '城市管理执法局',
];
export const COUNTY_INSTITUTIONS = [
  '人民医院', '中医医院', '妇幼保健院', '中学', '第二中学', '职业教育中心', '城关第一小学', '城关第二小学', '实验小学',
  '疾病预防控制中心', '图书馆', '文化馆', '自来水公司', '供电分公司', '邮政分公司', '农村商业银行',
];
export const CITY_DIRECT = [
  { name: '商洛学院工会委员会', kind: 'PUBLIC_INSTITUTION' },
  { name: '商洛职业技术学院工会委员会', kind: 'PUBLIC_INSTITUTION' },
  { name: '商洛市中医医院工会委员会', kind: 'PUBLIC_INSTITUTION' },
  { name: '商洛市第一中学工会委员会', kind: 'PUBLIC_INSTITUTION' },
  { name: '商洛市直机关工会委员会', kind: 'PUBLIC_INSTITUTION' },
  { name: '商洛市公路管理局工会委员会', kind: 'PUBLIC_INSTITUTION' },
  { name: '陕西商洛发电有限公司工会委员会', kind: 'ENTERPRISE' },
  { name: '国网陕西省电力有限公司商洛供电公司工会委员会', kind: 'ENTERPRISE' },
  { name: '中国邮政集团有限公司商洛市分公司工会委员会', kind: 'ENTERPRISE' },
  { name: '商洛市城市建设投资有限公司工会委员会', kind: 'ENTERPRISE' },
] as const;
